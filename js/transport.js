// The transport a runtime entry gives the client when the caller passes no `fetch` (js/node.js sets the
// node:http one of js/node-http.js); unset, the client sends with the global `fetch`.
export const entry = { send: undefined };
