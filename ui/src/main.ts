import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { mark } from './lib/marks';

async function boot(): Promise<void> {
  // The benchmark's cold-start trace: the page's script runs (after the page and its isolation
  // frame have loaded).
  mark('callrec:boot');
  // `npm run dev:mock` only: a scripted shell for working on the UI in a plain browser.
  // `import.meta.env.DEV` is the literal `false` in a build, so this branch and its module
  // are dropped from the production bundle.
  if (import.meta.env.DEV && import.meta.env.MODE === 'mock') {
    const { installDevMock } = await import('./dev/dev-mock');
    installDevMock();
  }
  const target = document.getElementById('app');
  if (!target) throw new Error('Callrec: #app element missing from index.html');
  mount(App, { target });
}

void boot();
