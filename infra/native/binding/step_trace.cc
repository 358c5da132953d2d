/**
 * ELO Pipelines' addition to tfjs-node's binding: step tracing (see step_trace.h). The
 * TFJSBackend methods here are the capture and replay sides; tfjs_backend.cc calls them from
 * ExecuteOp, DeleteTensor and GetTensorData. Licensed under the Apache License 2.0.
 */

#include <algorithm>
#include <map>
#include <string>
#include "step_trace.h"
#include "tf_auto_status.h"
#include "tfjs_backend.h"
#include "utils.h"

namespace tfnodejs {

namespace {

bool ReadNumberList(napi_env env, napi_value list, std::vector<double> *out) {
  uint32_t length;
  if (napi_get_array_length(env, list, &length) != napi_ok) return false;
  for (uint32_t i = 0; i < length; ++i) {
    napi_value element;
    double value;
    if (napi_get_element(env, list, i, &element) != napi_ok) return false;
    if (napi_get_value_double(env, element, &value) != napi_ok) return false;
    out->push_back(value);
  }
  return true;
}

bool IsArrayValue(napi_env env, napi_value v) {
  bool is_array = false;
  napi_is_array(env, v, &is_array);
  return is_array;
}

/** Ops whose first N inputs form one list argument (tfjs passes N as an attribute). */
bool HasLeadingListInput(const std::string &op) {
  return op == "AddN" || op == "ConcatV2" || op == "Pack";
}

int64_t AttrInt(const std::vector<ParsedAttr> &attrs, const char *name) {
  for (const auto &a : attrs)
    if (a.name == name && !a.ints.empty()) return a.ints[0];
  return -1;
}

std::vector<int64_t> HandleShape(TFE_TensorHandle *h, TF_Status *status) {
  std::vector<int64_t> dims(TFE_TensorHandleNumDims(h, status));
  for (size_t d = 0; d < dims.size(); ++d)
    dims[d] = TFE_TensorHandleDim(h, static_cast<int>(d), status);
  return dims;
}

napi_value TensorInfo(napi_env env, int32_t id,
                      const std::vector<int64_t> &shape, TF_DataType dtype) {
  napi_value info, id_value, shape_value, dtype_value;
  napi_create_object(env, &info);
  napi_create_int32(env, id, &id_value);
  napi_create_array_with_length(env, shape.size(), &shape_value);
  for (size_t i = 0; i < shape.size(); ++i) {
    napi_value dim;
    napi_create_int64(env, shape[i], &dim);
    napi_set_element(env, shape_value, i, dim);
  }
  napi_create_int32(env, dtype, &dtype_value);
  napi_set_named_property(env, info, "id", id_value);
  napi_set_named_property(env, info, "shape", shape_value);
  napi_set_named_property(env, info, "dtype", dtype_value);
  return info;
}

bool ReadIds(napi_env env, napi_value list, std::vector<int32_t> *out) {
  uint32_t length;
  if (napi_get_array_length(env, list, &length) != napi_ok) return false;
  out->resize(length);
  for (uint32_t i = 0; i < length; ++i) {
    napi_value element;
    if (napi_get_element(env, list, i, &element) != napi_ok) return false;
    if (napi_get_value_int32(env, element, &(*out)[i]) != napi_ok) return false;
  }
  return true;
}

int64_t RefKey(const TraceRef &r) {
  return (static_cast<int64_t>(r.event) << 20) + r.index;
}

}  // namespace

bool ParseOpAttrs(napi_env env, napi_value attrs, std::vector<ParsedAttr> *out) {
  uint32_t length;
  if (napi_get_array_length(env, attrs, &length) != napi_ok) return false;
  for (uint32_t i = 0; i < length; ++i) {
    napi_value attr, name_value, type_value, value;
    if (napi_get_element(env, attrs, i, &attr) != napi_ok) return false;
    napi_get_named_property(env, attr, "name", &name_value);
    napi_get_named_property(env, attr, "type", &type_value);
    napi_get_named_property(env, attr, "value", &value);
    ParsedAttr a;
    if (GetStringParam(env, name_value, a.name) != napi_ok) return false;
    int32_t type;
    napi_get_value_int32(env, type_value, &type);
    a.type = static_cast<TF_AttrType>(type);
    std::vector<double> numbers;
    switch (a.type) {
      case TF_ATTR_STRING:
        if (GetStringParam(env, value, a.str) != napi_ok) return false;
        break;
      case TF_ATTR_FLOAT:
        a.is_list = IsArrayValue(env, value);
        if (a.is_list) {
          if (!ReadNumberList(env, value, &numbers)) return false;
        } else {
          double v;
          napi_get_value_double(env, value, &v);
          numbers.push_back(v);
        }
        for (double v : numbers) a.floats.push_back(static_cast<float>(v));
        break;
      case TF_ATTR_BOOL:
        a.is_list = IsArrayValue(env, value);
        if (a.is_list) {
          uint32_t n;
          napi_get_array_length(env, value, &n);
          for (uint32_t j = 0; j < n; ++j) {
            napi_value e;
            bool b;
            napi_get_element(env, value, j, &e);
            napi_get_value_bool(env, e, &b);
            a.ints.push_back(b ? 1 : 0);
          }
        } else {
          bool b;
          napi_get_value_bool(env, value, &b);
          a.ints.push_back(b ? 1 : 0);
        }
        break;
      case TF_ATTR_INT:
      case TF_ATTR_TYPE:
      case TF_ATTR_SHAPE:
        a.is_list = a.type == TF_ATTR_SHAPE || IsArrayValue(env, value);
        if (a.is_list) {
          if (!ReadNumberList(env, value, &numbers)) return false;
        } else {
          double v;
          napi_get_value_double(env, value, &v);
          numbers.push_back(v);
        }
        for (double v : numbers) a.ints.push_back(static_cast<int64_t>(v));
        break;
      default:
        return false;
    }
    out->push_back(std::move(a));
  }
  return true;
}

namespace {

// The eager op and the graph node take attributes through two C APIs of the same shape; one
// walk over the parsed attributes serves both.
struct OpSetters {
  TFE_Op *op;
  TF_Status *status;
  void String(const char *n, const std::string &v) {
    TFE_OpSetAttrString(op, n, v.data(), v.size());
  }
  void Float(const char *n, float v) { TFE_OpSetAttrFloat(op, n, v); }
  void FloatList(const char *n, const std::vector<float> &v) {
    TFE_OpSetAttrFloatList(op, n, v.data(), static_cast<int>(v.size()));
  }
  void Bool(const char *n, unsigned char v) { TFE_OpSetAttrBool(op, n, v); }
  void BoolList(const char *n, const std::vector<unsigned char> &v) {
    TFE_OpSetAttrBoolList(op, n, v.data(), static_cast<int>(v.size()));
  }
  void Int(const char *n, int64_t v) { TFE_OpSetAttrInt(op, n, v); }
  void IntList(const char *n, const std::vector<int64_t> &v) {
    TFE_OpSetAttrIntList(op, n, v.data(), static_cast<int>(v.size()));
  }
  void Type(const char *n, TF_DataType v) { TFE_OpSetAttrType(op, n, v); }
  void Shape(const char *n, const std::vector<int64_t> &v) {
    TFE_OpSetAttrShape(op, n, v.data(), static_cast<int>(v.size()), status);
  }
};

struct DescriptionSetters {
  TF_OperationDescription *desc;
  void String(const char *n, const std::string &v) {
    TF_SetAttrString(desc, n, v.data(), v.size());
  }
  void Float(const char *n, float v) { TF_SetAttrFloat(desc, n, v); }
  void FloatList(const char *n, const std::vector<float> &v) {
    TF_SetAttrFloatList(desc, n, v.data(), static_cast<int>(v.size()));
  }
  void Bool(const char *n, unsigned char v) { TF_SetAttrBool(desc, n, v); }
  void BoolList(const char *n, const std::vector<unsigned char> &v) {
    TF_SetAttrBoolList(desc, n, v.data(), static_cast<int>(v.size()));
  }
  void Int(const char *n, int64_t v) { TF_SetAttrInt(desc, n, v); }
  void IntList(const char *n, const std::vector<int64_t> &v) {
    TF_SetAttrIntList(desc, n, v.data(), static_cast<int>(v.size()));
  }
  void Type(const char *n, TF_DataType v) { TF_SetAttrType(desc, n, v); }
  void Shape(const char *n, const std::vector<int64_t> &v) {
    TF_SetAttrShape(desc, n, v.data(), static_cast<int>(v.size()));
  }
};

template <typename Setters>
void ApplyAttrs(const std::vector<ParsedAttr> &attrs, Setters set) {
  for (const auto &a : attrs) {
    const char *n = a.name.c_str();
    switch (a.type) {
      case TF_ATTR_STRING:
        set.String(n, a.str);
        break;
      case TF_ATTR_FLOAT:
        if (a.is_list) set.FloatList(n, a.floats);
        else set.Float(n, a.floats[0]);
        break;
      case TF_ATTR_BOOL:
        if (a.is_list)
          set.BoolList(n, std::vector<unsigned char>(a.ints.begin(), a.ints.end()));
        else
          set.Bool(n, static_cast<unsigned char>(a.ints[0]));
        break;
      case TF_ATTR_INT:
        if (a.is_list) set.IntList(n, a.ints);
        else set.Int(n, a.ints[0]);
        break;
      case TF_ATTR_TYPE:
        set.Type(n, static_cast<TF_DataType>(a.ints[0]));
        break;
      case TF_ATTR_SHAPE:
        set.Shape(n, a.ints);
        break;
      default:
        break;
    }
  }
}

}  // namespace

void ApplyAttrsToOp(const std::vector<ParsedAttr> &attrs, TFE_Op *op,
                    TF_Status *status) {
  ApplyAttrs(attrs, OpSetters{op, status});
}

void ApplyAttrsToDescription(const std::vector<ParsedAttr> &attrs,
                             TF_OperationDescription *desc) {
  ApplyAttrs(attrs, DescriptionSetters{desc});
}

napi_value TFJSBackend::TraceBegin(napi_env env, napi_value key_value) {
  std::string key;
  ENSURE_NAPI_OK_RETVAL(env, GetStringParam(env, key_value, key), nullptr);
  if (capture_ || replay_) {
    NAPI_THROW_ERROR(env, "traceBegin(%s): a traced region is already open",
                     key.c_str());
    return nullptr;
  }
  int32_t mode;
  auto found = programs_.find(key);
  if (found != programs_.end()) {
    replay_.reset(new ReplayState());
    replay_->key = key;
    replay_->program = found->second.get();
    replay_->slot_ids.assign(replay_->program->num_slots, -1);
    replay_->slot_handles.assign(replay_->program->num_slots, nullptr);
    mode = 2;
  } else {
    capture_.reset(new CaptureState());
    capture_->key = key;
    capture_->graph = TF_NewGraph();
    capture_->program.reset(new TraceProgram());
    mode = 1;
  }
  napi_value result;
  napi_create_int32(env, mode, &result);
  return result;
}

void TFJSBackend::CaptureOp(napi_env env, const std::string &op_name,
                            napi_value attrs_value, napi_value input_ids_value,
                            int32_t first_output_id, int32_t num_outputs) {
  CaptureState &c = *capture_;
  if (!c.refusal.empty()) return;
  TraceProgram &p = *c.program;
  TraceEvent ev;
  ev.op = op_name;
  std::vector<int32_t> input_ids;
  if (!ParseOpAttrs(env, attrs_value, &ev.attrs) ||
      !ReadIds(env, input_ids_value, &input_ids)) {
    c.refusal = "could not read the attributes of " + op_name;
    return;
  }
  TF_AutoStatus status;
  const int32_t event_index = static_cast<int32_t>(p.events.size());
  std::vector<TF_Output> ins;
  for (int32_t id : input_ids) {
    auto it = c.refs.find(id);
    TraceRef ref;
    if (it != c.refs.end()) {
      ref = it->second;
    } else {
      TFE_TensorHandle *h = tfe_handle_map_.at(id);
      const TF_DataType dtype = TFE_TensorHandleDataType(h);
      if (dtype == TF_VARIANT || dtype == TF_STRING) {
        c.refusal = op_name + " takes a variant or string tensor";
        return;
      }
      const std::vector<int64_t> shape = HandleShape(h, status.status);
      const std::string name = "arg" + std::to_string(p.num_slots);
      TF_OperationDescription *d =
          TF_NewOperation(c.graph, "Placeholder", name.c_str());
      TF_SetAttrType(d, "dtype", dtype);
      TF_SetAttrShape(d, "shape", shape.data(), static_cast<int>(shape.size()));
      TF_Operation *ph = TF_FinishOperation(d, status.status);
      if (TF_GetCode(status.status) != TF_OK) {
        c.refusal = std::string("placeholder: ") + TF_Message(status.status);
        return;
      }
      c.slot_outputs.push_back({ph, 0});
      c.slot_handles.push_back(TFE_TensorHandleCopySharingTensor(h, status.status));
      p.slot_dtypes.push_back(dtype);
      p.slot_shapes.push_back(shape);
      ref = {-1, p.num_slots++};
      c.refs[id] = ref;
    }
    ev.inputs.push_back(ref);
    ins.push_back(ref.event < 0 ? c.slot_outputs[ref.index]
                                : c.event_outputs[ref.event][ref.index]);
  }
  const int64_t list_length = HasLeadingListInput(op_name) ? AttrInt(ev.attrs, "N") : 0;
  if (list_length < 0 || static_cast<size_t>(list_length) > ins.size()) {
    c.refusal = op_name + " without a usable N attribute";
    return;
  }
  const std::string node = "op" + std::to_string(event_index);
  TF_OperationDescription *d =
      TF_NewOperation(c.graph, op_name.c_str(), node.c_str());
  if (list_length > 0) TF_AddInputList(d, ins.data(), static_cast<int>(list_length));
  for (size_t at = static_cast<size_t>(list_length); at < ins.size(); ++at)
    TF_AddInput(d, ins[at]);
  std::vector<int32_t> resources;
  for (const TraceRef &ref : ev.inputs) {
    if (ref.event >= 0 || p.slot_dtypes[ref.index] != TF_RESOURCE) continue;
    resources.push_back(ref.index);
    auto last = c.last_use.find(ref.index);
    if (last != c.last_use.end()) TF_AddControlInput(d, last->second);
  }
  ApplyAttrsToDescription(ev.attrs, d);
  TF_Operation *oper = TF_FinishOperation(d, status.status);
  if (TF_GetCode(status.status) != TF_OK) {
    c.refusal = op_name + " in a graph: " + TF_Message(status.status);
    return;
  }
  for (int32_t slot : resources) c.last_use[slot] = oper;
  if (!resources.empty()) p.stateful = true;
  if (num_outputs == 0) c.control_outputs.push_back(oper);
  c.event_outputs.emplace_back();
  for (int32_t i = 0; i < num_outputs; ++i) {
    TFE_TensorHandle *h = tfe_handle_map_.at(first_output_id + i);
    ev.out_dtypes.push_back(TFE_TensorHandleDataType(h));
    ev.out_shapes.push_back(HandleShape(h, status.status));
    c.event_outputs.back().push_back({oper, i});
    c.refs[first_output_id + i] = {event_index, i};
  }
  p.events.push_back(std::move(ev));
}

napi_value TFJSBackend::ReplayOp(napi_env env, const std::string &op_name,
                                 napi_value attrs_value,
                                 napi_value input_ids_value,
                                 int32_t num_outputs) {
  ReplayState &r = *replay_;
  const TraceProgram &p = *r.program;
  std::vector<int32_t> input_ids;
  std::vector<ParsedAttr> attrs;
  if (!ReadIds(env, input_ids_value, &input_ids) ||
      !ParseOpAttrs(env, attrs_value, &attrs)) {
    AbandonReplay(env, "could not read the call to " + op_name);
    return nullptr;
  }
  if (r.cursor >= p.events.size()) {
    AbandonReplay(env, "the call ran more ops than the recorded one");
    return nullptr;
  }
  const TraceEvent &ev = p.events[r.cursor];
  if (ev.op != op_name || !(ev.attrs == attrs) ||
      ev.inputs.size() != input_ids.size() ||
      ev.out_dtypes.size() != static_cast<size_t>(num_outputs)) {
    AbandonReplay(env, "op " + std::to_string(r.cursor) + " is " + op_name +
                           ", recorded " + ev.op + " (or its attributes differ)");
    return nullptr;
  }
  // Verify every input before taking any slot, so a departure leaves the slots as they were.
  TF_AutoStatus status;
  for (size_t j = 0; j < input_ids.size(); ++j) {
    const TraceRef &want = ev.inputs[j];
    const int32_t id = input_ids[j];
    auto pend = r.pending.find(id);
    bool ok;
    if (want.event >= 0) {
      ok = pend != r.pending.end() && pend->second == want;
    } else {
      auto real = tfe_handle_map_.find(id);
      ok = pend == r.pending.end() && real != tfe_handle_map_.end() &&
           (r.slot_ids[want.index] == id ||
            (r.slot_ids[want.index] == -1 &&
             TFE_TensorHandleDataType(real->second) == p.slot_dtypes[want.index] &&
             HandleShape(real->second, status.status) == p.slot_shapes[want.index]));
    }
    if (!ok) {
      AbandonReplay(env, "input " + std::to_string(j) + " of op " +
                             std::to_string(r.cursor) + " (" + op_name +
                             ") comes from elsewhere than recorded");
      return nullptr;
    }
  }
  for (size_t j = 0; j < input_ids.size(); ++j) {
    const TraceRef &want = ev.inputs[j];
    if (want.event >= 0 || r.slot_ids[want.index] != -1) continue;
    // A handle of our own: JS may free the tensor before the function runs at the end.
    r.slot_ids[want.index] = input_ids[j];
    r.slot_handles[want.index] = TFE_TensorHandleCopySharingTensor(
        tfe_handle_map_.at(input_ids[j]), status.status);
    ENSURE_TF_OK_RETVAL(env, status, nullptr);
  }
  LoggedOp logged{static_cast<int32_t>(r.cursor), input_ids, next_tensor_id_};
  napi_value infos;
  napi_create_array_with_length(env, num_outputs, &infos);
  for (int32_t i = 0; i < num_outputs; ++i) {
    const int32_t id = next_tensor_id_++;
    r.pending[id] = {static_cast<int32_t>(r.cursor), i};
    napi_set_element(env, infos, i,
                     TensorInfo(env, id, ev.out_shapes[i], ev.out_dtypes[i]));
  }
  r.log.push_back(std::move(logged));
  r.cursor++;
  return infos;
}

void TFJSBackend::AbandonReplay(napi_env env, const std::string &why) {
  ReplayState &r = *replay_;
  const TraceProgram &p = *r.program;
  std::unordered_map<int32_t, TFE_TensorHandle *> made;
  TF_AutoStatus status;
  bool failed = false;
  for (const LoggedOp &lo : r.log) {
    const TraceEvent &ev = p.events[lo.event];
    TFE_Op *op = TFE_NewOp(tfe_context_, ev.op.c_str(), status.status);
    if (TF_GetCode(status.status) != TF_OK) {
      failed = true;
      break;
    }
    for (size_t j = 0; j < lo.input_ids.size(); ++j) {
      const TraceRef &ref = ev.inputs[j];
      TFE_OpAddInput(op,
                     ref.event < 0 ? r.slot_handles[ref.index]
                                   : made.at(lo.input_ids[j]),
                     status.status);
    }
    ApplyAttrsToOp(ev.attrs, op, status.status);
    std::vector<TFE_TensorHandle *> outs(ev.out_dtypes.size(), nullptr);
    int n = static_cast<int>(outs.size());
    if (TF_GetCode(status.status) == TF_OK)
      TFE_Execute(op, outs.data(), &n, status.status);
    TFE_DeleteOp(op);
    if (TF_GetCode(status.status) != TF_OK) {
      failed = true;
      break;
    }
    for (int i = 0; i < n; ++i) made[lo.first_output_id + i] = outs[i];
  }
  for (auto &kv : made) {
    if (!failed && r.pending.count(kv.first))
      tfe_handle_map_[kv.first] = kv.second;
    else
      TFE_DeleteTensorHandle(kv.second);
  }
  for (TFE_TensorHandle *h : r.slot_handles)
    if (h) TFE_DeleteTensorHandle(h);
  const std::string key = r.key;
  replay_.reset();
  programs_.erase(key);
  trace_note_ = "replay abandoned: " + why;
  if (failed) {
    NAPI_THROW_ERROR(env, "running the ops of an abandoned replay failed: %s",
                     TF_Message(status.status));
  }
}

napi_value TFJSBackend::TraceEnd(napi_env env, bool keep) {
  std::string note;
  TF_AutoStatus status;
  if (capture_) {
    CaptureState &c = *capture_;
    TraceProgram &p = *c.program;
    note = keep ? c.refusal : "the call threw";
    if (note.empty()) {
      for (auto &kv : c.refs)
        if (kv.second.event >= 0) p.outputs.push_back(kv.second);
      std::sort(p.outputs.begin(), p.outputs.end(),
                [](const TraceRef &a, const TraceRef &b) {
                  return RefKey(a) < RefKey(b);
                });
      std::vector<TF_Output> outs;
      for (const TraceRef &o : p.outputs)
        outs.push_back(c.event_outputs[o.event][o.index]);
      p.fn_name = "elo_trace_" + std::to_string(next_function_id_++);
      std::vector<std::string> control_names;
      for (TF_Operation *op : c.control_outputs) control_names.push_back(TF_OperationName(op));
      std::vector<const char *> control_name_ptrs;
      for (const std::string &n : control_names) control_name_ptrs.push_back(n.c_str());
      TF_Function *fn = TF_GraphToFunctionWithControlOutputs(
          c.graph, p.fn_name.c_str(), 0, -1, nullptr,
          static_cast<int>(c.slot_outputs.size()), c.slot_outputs.data(),
          static_cast<int>(outs.size()), outs.data(), nullptr,
          static_cast<int>(c.control_outputs.size()), c.control_outputs.data(),
          control_name_ptrs.data(), nullptr, nullptr, status.status);
      if (TF_GetCode(status.status) == TF_OK) {
        TFE_ContextAddFunction(tfe_context_, fn, status.status);
        TF_DeleteFunction(fn);
      }
      if (TF_GetCode(status.status) == TF_OK) {
        if (!p.stateful) RunCapturedFunction(&note);
      } else {
        note = std::string("making a function: ") + TF_Message(status.status);
      }
      if (note.empty()) programs_[c.key] = std::move(c.program);
    }
    for (TFE_TensorHandle *h : c.slot_handles)
      if (h) TFE_DeleteTensorHandle(h);
    if (!note.empty()) note = "capture refused: " + note;
    TF_DeleteGraph(c.graph);
    capture_.reset();
  } else if (replay_) {
    ReplayState &r = *replay_;
    const TraceProgram &p = *r.program;
    std::map<int64_t, size_t> position;
    for (size_t i = 0; i < p.outputs.size(); ++i) position[RefKey(p.outputs[i])] = i;
    std::vector<int32_t> id_of(p.outputs.size(), -1);
    bool alive_ok = true;
    for (auto &kv : r.pending) {
      auto at = position.find(RefKey(kv.second));
      if (at == position.end()) alive_ok = false;
      else id_of[at->second] = kv.first;
    }
    if (!keep) {
      AbandonReplay(env, "the call threw");
    } else if (r.cursor != p.events.size()) {
      AbandonReplay(env, "the call ran " + std::to_string(r.cursor) + " of " +
                             std::to_string(p.events.size()) + " recorded ops");
    } else if (!alive_ok) {
      AbandonReplay(env, "it keeps a tensor the recorded call freed");
    } else {
      TFE_Op *op = TFE_NewOp(tfe_context_, p.fn_name.c_str(), status.status);
      for (TFE_TensorHandle *h : r.slot_handles)
        if (TF_GetCode(status.status) == TF_OK) TFE_OpAddInput(op, h, status.status);
      std::vector<TFE_TensorHandle *> outs(p.outputs.size(), nullptr);
      int n = static_cast<int>(outs.size());
      if (TF_GetCode(status.status) == TF_OK)
        TFE_Execute(op, outs.data(), &n, status.status);
      if (op) TFE_DeleteOp(op);
      if (TF_GetCode(status.status) != TF_OK) {
        // The function failed where the eager ops would have (e.g. out of memory): run them
        // eagerly so the error, if any, comes from the op that raised it.
        AbandonReplay(env, std::string("its function failed: ") +
                               TF_Message(status.status));
      } else {
        for (int i = 0; i < n; ++i) {
          if (id_of[i] >= 0) tfe_handle_map_[id_of[i]] = outs[i];
          else TFE_DeleteTensorHandle(outs[i]);
        }
        for (TFE_TensorHandle *h : r.slot_handles)
          if (h) TFE_DeleteTensorHandle(h);
        replay_.reset();
      }
    }
    if (!trace_note_.empty()) {
      note = trace_note_;
      trace_note_.clear();
    }
  } else if (!trace_note_.empty()) {
    note = trace_note_;  // the replay was abandoned by a host read inside the region
    trace_note_.clear();
  } else {
    NAPI_THROW_ERROR(env, "traceEnd(): no traced region is open");
    return nullptr;
  }
  napi_value result;
  napi_create_string_utf8(env, note.c_str(), note.size(), &result);
  return result;
}

/**
 * The capture ran its ops eagerly; its alive outputs now get the function's values instead, so
 * that every traced call returns what the function computes. Eager and function results can
 * differ in the last bits (oneDNN rewrites a graph's ops beyond what it rewrites eagerly), and a
 * run resumed from a checkpoint must compute exactly what the uninterrupted one did.
 */
void TFJSBackend::RunCapturedFunction(std::string *note) {
  CaptureState &c = *capture_;
  const TraceProgram &p = *c.program;
  TF_AutoStatus status;
  TFE_Op *op = TFE_NewOp(tfe_context_, p.fn_name.c_str(), status.status);
  for (TFE_TensorHandle *h : c.slot_handles)
    if (TF_GetCode(status.status) == TF_OK) TFE_OpAddInput(op, h, status.status);
  std::vector<TFE_TensorHandle *> outs(p.outputs.size(), nullptr);
  int n = static_cast<int>(outs.size());
  if (TF_GetCode(status.status) == TF_OK)
    TFE_Execute(op, outs.data(), &n, status.status);
  if (op) TFE_DeleteOp(op);
  if (TF_GetCode(status.status) != TF_OK) {
    *note = std::string("running its function: ") + TF_Message(status.status);
    return;
  }
  std::map<int64_t, int32_t> id_of;
  for (auto &kv : c.refs)
    if (kv.second.event >= 0) id_of[RefKey(kv.second)] = kv.first;
  for (int i = 0; i < n; ++i) {
    const int32_t id = id_of.at(RefKey(p.outputs[i]));
    TFE_DeleteTensorHandle(tfe_handle_map_.at(id));
    tfe_handle_map_[id] = outs[i];
  }
}

napi_value TFJSBackend::TraceForget(napi_env env, napi_value prefix_value) {
  std::string prefix;
  ENSURE_NAPI_OK_RETVAL(env, GetStringParam(env, prefix_value, prefix), nullptr);
  int32_t dropped = 0;
  for (auto it = programs_.begin(); it != programs_.end();) {
    if (it->first.compare(0, prefix.size(), prefix) != 0 ||
        (replay_ && replay_->program == it->second.get())) {
      ++it;
      continue;
    }
    TF_AutoStatus status;
    TFE_ContextRemoveFunction(tfe_context_, it->second->fn_name.c_str(),
                              status.status);
    it = programs_.erase(it);
    dropped++;
  }
  napi_value result;
  napi_create_int32(env, dropped, &result);
  return result;
}

bool TFJSBackend::IsPendingTensor(int32_t id) const {
  return replay_ && replay_->pending.count(id) > 0;
}

}  // namespace tfnodejs
