/**
 * Our addition to tfjs-node's C++ binding: step tracing (infra/native/binding/step_trace.h, used
 * by engine/kernels/step-trace.ts). The two source files are copied in beside the binding's own,
 * and a few anchored edits hook them into ExecuteOp, DeleteTensor, GetTensorData and the
 * exports. Edits rather than copies of the upstream files keep what we changed in one place;
 * an anchor that is not found (another tfjs-node version) stops the setup with the file named.
 */
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../project-paths.js';
import { SetupError } from '../setup-error.js';

const SOURCES = ['step_trace.h', 'step_trace.cc'];
const sourceDir = () => path.join(projectRoot, 'infra', 'native', 'binding');

interface Edit {
  file: string;
  /** Text the edit goes after (once, exactly). */
  after: string;
  insert: string;
}

const EDITS: readonly Edit[] = [
  {
    file: 'binding.gyp',
    after: "'binding/tfjs_binding.cc'",
    insert: ",\n      'binding/step_trace.cc'",
  },
  {
    file: 'binding/tfjs_backend.h',
    after: '#include "tensorflow/c/eager/c_api.h"\n',
    insert: '#include "step_trace.h"\n',
  },
  {
    file: 'binding/tfjs_backend.h',
    after: '  napi_value GetNumOfTensors(napi_env env);\n',
    insert: `
  // ELO Pipelines: step tracing (step_trace.h). TraceBegin returns 1 when it
  // captures, 2 when it replays; TraceEnd returns '' or why the region ran
  // untraced (keep = false: the region threw, record nothing).
  napi_value TraceBegin(napi_env env, napi_value key_value);
  napi_value TraceEnd(napi_env env, bool keep);
  napi_value TraceForget(napi_env env, napi_value prefix_value);
`,
  },
  {
    file: 'binding/tfjs_backend.h',
    after: '  napi_value GenerateOutputTensorInfo(napi_env env, TFE_TensorHandle *handle);\n',
    insert: `
  napi_value ReplayOp(napi_env env, const std::string &op_name,
                      napi_value attrs_value, napi_value input_ids_value,
                      int32_t num_outputs);
  void CaptureOp(napi_env env, const std::string &op_name,
                 napi_value attrs_value, napi_value input_ids_value,
                 int32_t first_output_id, int32_t num_outputs);
  void AbandonReplay(napi_env env, const std::string &why);
  void RunCapturedFunction(std::string *note);
  bool IsPendingTensor(int32_t id) const;

  std::unique_ptr<CaptureState> capture_;
  std::unique_ptr<ReplayState> replay_;
  std::unordered_map<std::string, std::unique_ptr<TraceProgram>> programs_;
  std::string trace_note_;
  int32_t next_function_id_ = 0;
`,
  },
  {
    file: 'binding/tfjs_backend.cc',
    after:
      'void TFJSBackend::DeleteTensor(napi_env env, napi_value tensor_id_value) {\n' +
      '  int32_t tensor_id;\n' +
      '  ENSURE_NAPI_OK(env, napi_get_value_int32(env, tensor_id_value, &tensor_id));\n',
    insert:
      '  if (replay_ && replay_->pending.erase(tensor_id) > 0) return;\n' +
      '  if (capture_) capture_->refs.erase(tensor_id);\n',
  },
  {
    file: 'binding/tfjs_backend.cc',
    after:
      '                                      napi_value tensor_id_value) {\n' +
      '  int32_t tensor_id;\n' +
      '  ENSURE_NAPI_OK_RETVAL(\n' +
      '      env, napi_get_value_int32(env, tensor_id_value, &tensor_id), nullptr);\n',
    insert: `  if (IsPendingTensor(tensor_id)) {
    AbandonReplay(env, "a host read of a tensor the region computed");
    if (IsExceptionPending(env)) return nullptr;
  }
  if (capture_ && capture_->refusal.empty()) {
    auto ref = capture_->refs.find(tensor_id);
    if (ref != capture_->refs.end() && ref->second.event >= 0)
      capture_->refusal = "a host read of a tensor the region computed";
  }
`,
  },
  {
    file: 'binding/tfjs_backend.cc',
    after:
      '  nstatus = GetStringParam(env, op_name_value, op_name);\n' +
      '  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);\n',
    insert: `
  if (replay_) {
    int32_t replay_outputs;
    nstatus = napi_get_value_int32(env, num_output_values, &replay_outputs);
    ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
    napi_value replayed = ReplayOp(env, op_name, op_attr_inputs,
                                   input_tensor_ids, replay_outputs);
    // nullptr without an exception: the replay was abandoned, run this op eagerly.
    if (replayed != nullptr || IsExceptionPending(env)) return replayed;
  }
  const int32_t first_output_id = next_tensor_id_;
`,
  },
  {
    file: 'binding/tfjs_backend.cc',
    after:
      '    nstatus = napi_set_element(env, output_tensor_infos, i, tensor_info_value);\n' +
      '    ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);\n' +
      '  }\n',
    insert: `  if (capture_) {
    CaptureOp(env, op_name, op_attr_inputs, input_tensor_ids, first_output_id,
              num_outputs);
  }
`,
  },
  {
    file: 'binding/tfjs_binding.cc',
    after: '  return backend->RunSavedModel(env, args[0], args[1], args[2], args[3]);\n}\n',
    insert: `
// The one string argument of traceBegin / traceForget, or nullptr with a JS error thrown.
static napi_value StringArg(napi_env env, napi_callback_info info,
                            const char *what) {
  size_t argc = 1;
  napi_value args[1];
  napi_value js_this;
  napi_status nstatus = napi_get_cb_info(env, info, &argc, args, &js_this, nullptr);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  if (argc < 1) {
    NAPI_THROW_ERROR(env, "%s() takes a string", what);
    return nullptr;
  }
  ENSURE_VALUE_IS_STRING_RETVAL(env, args[0], nullptr);
  return args[0];
}

static napi_value TraceBegin(napi_env env, napi_callback_info info) {
  napi_value key = StringArg(env, info, "traceBegin");
  TFJSBackend *const backend = key ? GetTFJSBackend(env) : nullptr;
  if (!backend) return nullptr;
  return backend->TraceBegin(env, key);
}

static napi_value TraceEnd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  napi_value js_this;
  napi_status nstatus = napi_get_cb_info(env, info, &argc, args, &js_this, nullptr);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  bool keep = true;
  if (argc >= 1) napi_get_value_bool(env, args[0], &keep);
  TFJSBackend *const backend = GetTFJSBackend(env);
  if (!backend) return nullptr;
  return backend->TraceEnd(env, keep);
}

static napi_value TraceForget(napi_env env, napi_callback_info info) {
  napi_value prefix = StringArg(env, info, "traceForget");
  TFJSBackend *const backend = prefix ? GetTFJSBackend(env) : nullptr;
  if (!backend) return nullptr;
  return backend->TraceForget(env, prefix);
}
`,
  },
  {
    file: 'binding/tfjs_binding.cc',
    after:
      '      {"getNumOfTensors", nullptr, GetNumOfTensors, nullptr, nullptr,\n' +
      '       nullptr, napi_default, nullptr},\n',
    insert: `      {"traceBegin", nullptr, TraceBegin, nullptr, nullptr, nullptr,
       napi_default, nullptr},
      {"traceEnd", nullptr, TraceEnd, nullptr, nullptr, nullptr,
       napi_default, nullptr},
      {"traceForget", nullptr, TraceForget, nullptr, nullptr, nullptr,
       napi_default, nullptr},
`,
  },
];

/** A short digest of the patch: part of the addon's cache folder name, so a change rebuilds it. */
export async function bindingPatchDigest(): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(EDITS));
  for (const f of SOURCES) hash.update(await readFile(path.join(sourceDir(), f)));
  return hash.digest('hex').slice(0, 10);
}

/** Applies the patch to an unpacked tfjs-node package folder (before it is compiled). */
export async function patchBinding(pkg: string): Promise<void> {
  for (const f of SOURCES) await copyFile(path.join(sourceDir(), f), path.join(pkg, 'binding', f));
  const files = new Map<string, string>();
  for (const edit of EDITS) {
    const file = path.join(pkg, edit.file);
    const text = files.get(file) ?? (await readFile(file, 'utf8'));
    const at = text.indexOf(edit.after);
    if (at < 0 || text.indexOf(edit.after, at + 1) >= 0) {
      throw new SetupError(
        `the step-trace patch does not fit ${file}: its anchor ${JSON.stringify(
          edit.after.split('\n')[0],
        )} is ${at < 0 ? 'missing' : 'not unique'}`,
        'the patch is written for tfjs-node 4.22.0 (tool-versions.ts); ' +
          'update infra/native/binding-patch.ts for another version',
      );
    }
    const end = at + edit.after.length;
    files.set(file, text.slice(0, end) + edit.insert + text.slice(end));
  }
  for (const [file, text] of files) await writeFile(file, text);
}
