// CloudFormation's YAML short forms (!Ref, !Sub, !GetAtt, !If, ...) as the JSON the service takes, with eemeli/yaml.
import { parse } from 'yaml';

const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Condition'];
const tag = (name, key, resolve) => ['scalar', 'seq', 'map'].map((collection) => ({ tag: `!${name}`, collection: collection === 'scalar' ? undefined : collection, resolve: (value) => ({ [key]: resolve(value) }) }));
const plain = (v) => (v && typeof v.toJSON === 'function' ? v.toJSON() : v);

const customTags = [
  ...tag('Ref', 'Ref', plain),
  // !GetAtt Resource.Attribute is ["Resource", "Attribute"] in JSON.
  ...tag('GetAtt', 'Fn::GetAtt', (v) => {
    const j = plain(v);
    return typeof j === 'string' ? [j.slice(0, j.indexOf('.')), j.slice(j.indexOf('.') + 1)] : j;
  }),
  ...FUNCTIONS.flatMap((name) => tag(name, name === 'Condition' ? 'Condition' : `Fn::${name}`, plain)),
].map(({ collection, ...t }) => (collection ? { ...t, collection } : t));

/** The template in `text` (YAML, short forms allowed) as a JSON value. */
export function cloudFormationYaml(text) {
  return parse(text, { customTags, maxAliasCount: 100 });
}
