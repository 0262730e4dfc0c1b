// The reference for our Jint evaluation: V8 evaluates the same expressions with plain-JavaScript versions of
// the Elsa globals they use. Reads {cases: [{code, input, variables}]} on stdin, writes [{json}|{error}] on stdout.
'use strict';
const vm = require('node:vm');

const pascalize = name => name.replace(/(?:^|_| +)(.)/g, (_, c) => c.toUpperCase());

function run({ code, input, variables }) {
  const vars = { ...variables };
  const context = {
    getInput: name => (name in input ? input[name] : null),
    getVariable: name => (name in vars ? vars[name] : null),
    setVariable: (name, value) => { vars[name] = value; },
    variables: vars,
    input: { ...input },
  };
  for (const name of Object.keys(variables)) {
    context['get' + pascalize(name)] = () => vars[name];
    context['set' + pascalize(name)] = value => { vars[name] = value; };
  }
  for (const name of Object.keys(input)) context['get' + name] = () => input[name];
  vm.createContext(context);
  let value;
  try {
    value = vm.runInContext(code, context);
  } catch (e) {
    if (e.name !== 'SyntaxError' || !/return/.test(e.message)) throw e;
    value = vm.runInContext('(function () {\n' + code + '\n})()', context); // Elsa allows a top-level return
  }
  return { json: value === undefined ? null : JSON.stringify(value), variables: JSON.stringify(vars) };
}

let text = '';
process.stdin.on('data', d => (text += d));
process.stdin.on('end', () => {
  const { cases } = JSON.parse(text);
  const results = cases.map(c => {
    try { return run(c); } catch (e) { return { error: String(e) }; }
  });
  process.stdout.write(JSON.stringify(results));
});
