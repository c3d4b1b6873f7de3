// Tauri's isolation application: every IPC message from the UI passes through this sandboxed
// frame before it is encrypted and handed to Rust. Callrec's commands never take a path from
// the webview (folders are picked in Rust through the OS dialog), so a message whose arguments
// name one is refused here: a compromised dependency in the UI cannot aim Rust at a file.

const PATH_KEYS = new Set(['path', 'paths', 'folder', 'dir', 'directory', 'file', 'filePath']);
const MAX_DEPTH = 8;

function namesAPath(value, depth) {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return false;
  for (const key of Object.keys(value)) {
    if (PATH_KEYS.has(key)) return true;
    if (namesAPath(value[key], depth + 1)) return true;
  }
  return false;
}

window.__TAURI_ISOLATION_HOOK__ = (payload) => {
  // Tauri's own plugins (events, the dialog) keep their arguments as they are.
  if (typeof payload.cmd === 'string' && !payload.cmd.startsWith('plugin:') && namesAPath(payload.payload, 0)) {
    throw new Error(`refused: ${payload.cmd} was given a path from the webview`);
  }
  return payload;
};
