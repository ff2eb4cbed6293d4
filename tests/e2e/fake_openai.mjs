// A tiny OpenAI-compatible Chat Completions server for the end-to-end tests, on 127.0.0.1.
// Usage: node fake_openai.mjs RECORD.jsonl PORT_FILE
//
// - A call without tools (the settings screen's "Test connection") answers "OK" at once.
// - A planning call whose conversation has no tool result yet asks for `get_order_details` of
//   the first order id (#W and 7 digits) in the customer's message.
// - Once a tool result is in the conversation, it answers with a final draft naming that order.
// - When the team's billing system is offered (`billing__refund`) and the customer names a
//   charge (`ch_…`), the first call asks for a refund of $20.00 on it instead.
// Planning calls wait FAKE_LLM_DELAY_MS (default 0) first, so a test can watch the queue show
// the request as being planned. Every call reports fixed token usage (200 of the prompt tokens
// cached). Each request is recorded (path, Authorization header, model, roles, tool names) so
// the test can check what the app sent — the recording lives in the test's scratch dir.
import http from "node:http";
import { appendFileSync, writeFileSync } from "node:fs";

const [record, portFile] = process.argv.slice(2);
const delayMs = Number(process.env.FAKE_LLM_DELAY_MS ?? 0);

function text(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => p?.text ?? "").join("\n");
  return "";
}

function completion(model, message, finish, usage) {
  return {
    id: `chatcmpl-fake-${Date.now()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finish }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens, prompt_tokens_details: { cached_tokens: 200 } },
  };
}

const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    let json = {};
    try {
      json = JSON.parse(body || "{}");
    } catch {
      json = {};
    }
    const messages = Array.isArray(json.messages) ? json.messages : [];
    const tools = Array.isArray(json.tools) ? json.tools : [];
    appendFileSync(
      record,
      JSON.stringify({
        method: req.method,
        path: req.url,
        authorization: req.headers.authorization ?? null,
        model: json.model ?? null,
        roles: messages.map((m) => m.role),
        tools: tools.map((t) => t?.function?.name),
      }) + "\n",
    );
    const send = (status, payload) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) {
      return send(404, { error: { message: "not found", type: "invalid_request_error" } });
    }
    const model = json.model ?? "fake";
    if (tools.length === 0) {
      return send(200, completion(model, { role: "assistant", content: "OK" }, "stop", { prompt_tokens: 210, completion_tokens: 1 }));
    }
    const asked = messages.filter((m) => m.role === "user").map((m) => text(m.content)).join("\n");
    const order = (asked.match(/#W\d{7}/) ?? ["#W0000000"])[0];
    const looked = messages.some((m) => m.role === "tool");
    const charge = asked.match(/\bch_\w+/)?.[0];
    if (charge && tools.some((t) => t?.function?.name === "billing__refund")) {
      const answer = looked
        ? completion(model, { role: "assistant", content: "Hello, I have prepared the refund you asked for on that charge. A colleague will confirm it shortly; nothing changes until then." }, "stop", { prompt_tokens: 1500, completion_tokens: 40 })
        : completion(
            model,
            {
              role: "assistant",
              content: null,
              tool_calls: [{ id: "call_fake_refund", type: "function", function: { name: "billing__refund", arguments: JSON.stringify({ charge, amount: 2000, currency: "usd" }) } }],
            },
            "tool_calls",
            { prompt_tokens: 1200, completion_tokens: 20 },
          );
      return setTimeout(() => send(200, answer), delayMs);
    }
    const answer = looked
      ? completion(
          model,
          { role: "assistant", content: `Hello, I checked order ${order} for you: it is still pending and has not shipped yet. We will write again as soon as it ships.` },
          "stop",
          { prompt_tokens: 1500, completion_tokens: 60 },
        )
      : completion(
          model,
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "call_fake_1", type: "function", function: { name: "get_order_details", arguments: JSON.stringify({ order_id: order }) } }],
          },
          "tool_calls",
          { prompt_tokens: 1200, completion_tokens: 20 },
        );
    setTimeout(() => send(200, answer), delayMs);
  });
});

server.listen(0, "127.0.0.1", () => {
  writeFileSync(portFile, String(server.address().port));
});
