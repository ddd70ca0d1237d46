// A resource policy's text, checked before the wasm parses it: what JSON.parse and the wasm's parser would quietly accept
// but vigil must not judge.

/**
 * The deepest nesting IAM's policy grammar has: the document, its Statement list, a statement, its Condition, an operator,
 * the list of a key's values. Anything deeper is no policy AWS accepts; judging it would only risk the wasm's stack (a
 * 10,000-deep text overflowed it and stopped the sweep).
 */
export const MAX_POLICY_DEPTH = 6;

interface Frame {
  kind: 'object' | 'array';
  /** Keys seen so far, lower-cased, each with its text as written. */
  keys: Map<string, string>;
  key: string | undefined;
  expectKey: boolean;
  index: number;
}

function pathOf(stack: readonly Frame[]): string {
  let path = '';
  for (const frame of stack) {
    if (frame.kind === 'array') path += `[${frame.index}]`;
    else if (frame.key !== undefined) path += path === '' ? frame.key : `.${frame.key}`;
  }
  return path;
}

const where = (stack: readonly Frame[]) => {
  const path = pathOf(stack);
  return path === '' ? 'at the top level' : `in ${path}`;
};

/**
 * Why a policy text cannot be judged, or undefined. A key given twice in one object (JSON.parse keeps the last, another
 * parser the first: which one AWS reads is not vigil's to guess), two keys that differ only in case (condition keys are
 * case-insensitive), or nesting deeper than MAX_POLICY_DEPTH. One pass over the text, no recursion; text that is not
 * JSON is left to the parser, which reports it.
 */
export function policyTextProblem(text: string): string | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      if (stack.length >= MAX_POLICY_DEPTH) return `its text nests deeper than the ${MAX_POLICY_DEPTH} levels of IAM's policy grammar ${where(stack)}`;
      stack.push({ kind: c === '{' ? 'object' : 'array', keys: new Map(), key: undefined, expectKey: c === '{', index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectKey = true;
      else if (top) top.index++;
    } else if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const top = stack[stack.length - 1];
      if (top?.kind !== 'object' || !top.expectKey) continue;
      let key: string;
      try {
        key = JSON.parse(text.slice(start, i + 1)) as string;
      } catch {
        return undefined;
      }
      top.expectKey = false;
      const seen = top.keys.get(key.toLowerCase());
      if (seen !== undefined) {
        top.key = undefined;
        return seen === key
          ? `its text repeats the key "${key}" ${where(stack)}, and which one AWS reads is not vigil's to guess`
          : `its text has the keys "${seen}" and "${key}" ${where(stack)}, which differ only in case, and which one AWS reads is not vigil's to guess`;
      }
      top.keys.set(key.toLowerCase(), key);
      top.key = key;
    }
  }
  return undefined;
}
