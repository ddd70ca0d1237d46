// Stands in for the `yaml` package inside the Lambda bundles. opa-wasm implements OPA's yaml.* builtins with it,
// and vigil's policies call none of them (test/controls/evaluate-abi.test.ts checks that the compiled policy needs no
// builtin from JavaScript), so the bundles leave out 83 KB that every cold start would otherwise parse.

function unavailable() {
  throw new Error("vigil's Lambda bundles leave out YAML: a policy that calls yaml.* needs the yaml alias removed from serverless.yml");
}

export const parse = unavailable;
export const stringify = unavailable;
