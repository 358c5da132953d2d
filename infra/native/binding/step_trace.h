/**
 * ELO Pipelines' addition to tfjs-node's binding: step tracing.
 *
 * Eager TensorFlow runs each op to completion before the call returns, so the compute pool idles
 * while JavaScript dispatches the next op (about a third of a training step on 2 cores). A traced
 * region turns the op sequence one call of a JS function issues into one TensorFlow function:
 *
 * - capture: ops run eagerly as always, and each is also added to a TF_Graph. Tensors the region
 *   did not produce (parameters, host-made inputs, scalars) become the function's arguments, in
 *   order of first use; nothing is baked in as a constant. At the end, the region's tensors still
 *   alive become its outputs, and the graph is registered as a function (TF_GraphToFunction).
 * - replay: each op call is checked against the recorded one (name, attributes, where every input
 *   comes from) and answered with the recorded shape and a pending id, without running anything.
 *   At the end the function runs once, and the pending ids alive get its outputs.
 *
 * - a region that updates resource variables (the optimizer) orders the ops on each variable as
 *   they were issued, and keeps its eager results at capture (running the function as well
 *   would apply the update twice). Elsewhere the capture's outputs are replaced by the
 *   function's, so that every call of a key computes the same bits (oneDNN rewrites a graph's
 *   ops further than eager ones, and results can differ in the last bit).
 *
 * A replay that departs from the recording (another op, attribute or input, a host read, fewer
 * ops) runs the ops it has logged eagerly, in order, and continues eagerly: its results are those
 * of an untraced call, and the program is dropped. Licensed under the Apache License 2.0, as the
 * rest of the binding.
 */

#ifndef ELO_STEP_TRACE_H_
#define ELO_STEP_TRACE_H_

#include <node_api.h>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include "tensorflow/c/c_api.h"
#include "tensorflow/c/eager/c_api.h"

namespace tfnodejs {

/** One op attribute, parsed from tfjs's {name, type, value} once and comparable. */
struct ParsedAttr {
  std::string name;
  TF_AttrType type;
  bool is_list = false;
  std::vector<int64_t> ints;  // INT, BOOL, TYPE, SHAPE
  std::vector<float> floats;
  std::string str;
  bool operator==(const ParsedAttr &o) const {
    return name == o.name && type == o.type && is_list == o.is_list &&
           ints == o.ints && floats == o.floats && str == o.str;
  }
};

/** Where a traced op's input comes from: an earlier op's output, or an argument slot. */
struct TraceRef {
  int32_t event;  // -1: argument slot `index`
  int32_t index;
  bool operator==(const TraceRef &o) const {
    return event == o.event && index == o.index;
  }
};

struct TraceEvent {
  std::string op;
  std::vector<ParsedAttr> attrs;
  std::vector<TraceRef> inputs;
  std::vector<TF_DataType> out_dtypes;
  std::vector<std::vector<int64_t>> out_shapes;
};

struct TraceProgram {
  std::string fn_name;
  std::vector<TraceEvent> events;
  int32_t num_slots = 0;
  std::vector<TF_DataType> slot_dtypes;
  std::vector<std::vector<int64_t>> slot_shapes;
  std::vector<TraceRef> outputs;  // the function's outputs, in order
  // Updates resource variables: the capture's eager results stand (running the function again
  // would apply the updates twice).
  bool stateful = false;
};

struct CaptureState {
  std::string key;
  TF_Graph *graph = nullptr;
  std::unique_ptr<TraceProgram> program;
  std::unordered_map<int32_t, TraceRef> refs;  // live tensor id -> ref
  std::vector<TF_Output> slot_outputs;
  std::vector<TFE_TensorHandle *> slot_handles;  // our own handles, freed at the end
  std::vector<std::vector<TF_Output>> event_outputs;
  // Ops on one resource keep their program order (a graph orders only by data): the last op
  // that used each resource argument, and the ops without outputs (run as control outputs).
  std::unordered_map<int32_t, TF_Operation *> last_use;
  std::vector<TF_Operation *> control_outputs;
  std::string refusal;  // non-empty: the region cannot be replayed, and why
};

struct LoggedOp {
  int32_t event;
  std::vector<int32_t> input_ids;
  int32_t first_output_id;
};

struct ReplayState {
  std::string key;
  TraceProgram *program = nullptr;
  size_t cursor = 0;
  std::vector<int32_t> slot_ids;
  std::vector<TFE_TensorHandle *> slot_handles;  // our own handles, freed at the end
  std::unordered_map<int32_t, TraceRef> pending;  // live pending id -> ref
  std::vector<LoggedOp> log;
};

bool ParseOpAttrs(napi_env env, napi_value attrs,
                  std::vector<ParsedAttr> *out);
void ApplyAttrsToOp(const std::vector<ParsedAttr> &attrs, TFE_Op *op,
                    TF_Status *status);
void ApplyAttrsToDescription(const std::vector<ParsedAttr> &attrs,
                             TF_OperationDescription *desc);

}  // namespace tfnodejs

#endif  // ELO_STEP_TRACE_H_
