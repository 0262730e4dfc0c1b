// Drives a selfspec server with the official `openai` npm package and prints what it saw as JSON.
// Usage: node client.mjs BASE_URL API_KEY ADAPTER
import OpenAI from "openai";

const [baseURL, apiKey, adapter] = process.argv.slice(2);
const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey, maxRetries: 0 });
const out = {};

out.models = (await client.models.list()).data.map((m) => ({ id: m.id, parent: m.parent ?? null }));

// vLLM's return_tokens_as_token_ids keeps the top_logprobs keys distinct where two tokens decode to the same text.
const completion = await client.completions.create({ model: adapter, prompt: "What is a gene?", max_tokens: 8, temperature: 0, logprobs: 2,
  return_tokens_as_token_ids: true });
out.completion = { text: completion.choices[0].text, finish: completion.choices[0].finish_reason, usage: completion.usage,
  logprobTokens: completion.choices[0].logprobs.tokens.length, topCounts: completion.choices[0].logprobs.top_logprobs.map((t) => Object.keys(t).length) };

let streamed = "";
for await (const chunk of await client.completions.create({ model: adapter, prompt: "What is a gene?", max_tokens: 8, temperature: 0, stream: true })) {
  streamed += chunk.choices[0]?.text ?? "";
}
out.completionStream = streamed;

const chat = await client.chat.completions.create({ model: adapter, messages: [{ role: "user", content: "Name a protein." }], max_tokens: 8, temperature: 0,
  logprobs: true, top_logprobs: 2 });
out.chat = { content: chat.choices[0].message.content, role: chat.choices[0].message.role, logprobs: chat.choices[0].logprobs.content.length,
  top: chat.choices[0].logprobs.content.map((c) => c.top_logprobs.length) };

let chatStreamed = "";
for await (const chunk of await client.chat.completions.create({ model: adapter, messages: [{ role: "user", content: "Name a protein." }], max_tokens: 8,
  temperature: 0, stream: true, stream_options: { include_usage: true } })) {
  chatStreamed += chunk.choices[0]?.delta?.content ?? "";
  if (chunk.usage) out.chatStreamUsage = chunk.usage;
}
out.chatStream = chatStreamed;

async function failure(call) {
  try {
    await call();
    return { status: null };
  } catch (e) {
    return { status: e.status ?? null, kind: e.constructor.name, message: e.message, param: e.param ?? null };
  }
}
out.unknownModel = await failure(() => client.completions.create({ model: "nope", prompt: "x", max_tokens: 2 }));
out.badTopP = await failure(() => client.chat.completions.create({ model: adapter, messages: [{ role: "user", content: "x" }], top_p: 2 }));
out.wrongKey = await failure(() => new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: "wrong", maxRetries: 0 }).models.list());

console.log(JSON.stringify(out));
