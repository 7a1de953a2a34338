import './style.css';

import { Api, createTransport, type ConnectionView, type ProviderInfo } from './api';
import { listenForBackgroundSync } from './background-sync';
import { listenForRefusedDeepLinks } from './deep-link';
import { clear, el, icon } from './dom';
import { hideError, installErrorBanner, showError } from './error-banner';
import { currentLocale, setLocale } from './format';
import { ProgressView } from './sync-progress';
import type { View } from './state';
import { runSync } from './sync';
import { connectBuiltIn, openConnectDialog } from './views/connect-dialog';
import { renderEmptyState } from './views/empty-state';
import { MainView } from './views/main-view';

const api = new Api(createTransport());
const app = document.getElementById('app') as HTMLElement;
let mainView: MainView | null = null;

function mount(node: HTMLElement): void {
  mainView?.dispose();
  mainView = null;
  clear(app);
  app.appendChild(node);
}

/** The first-run screen; `providers` are the banks the backend knows (empty if unknown). */
function showEmptyState(providers: ProviderInfo[]): void {
  const view = renderEmptyState(providers);
  // Set up, but its first sync failed: "try again" only syncs.
  const connected = new Set<string>();
  let working = false;
  for (const { provider, button } of view.offers) {
    button.addEventListener('click', async () => {
      if (working) return;
      working = true;
      for (const o of view.offers) o.button.disabled = true;
      view.root.classList.add('working');
      hideError();
      const progress = new ProgressView();
      view.progressSlot.appendChild(progress.element);
      try {
        if (!connected.has(provider.id)) {
          progress.say(`Setting up ${provider.name}…`);
          await connectBuiltIn(api, provider);
          connected.add(provider.id);
        }
        await runSync(api, progress);
        await showMainView();
      } catch (error) {
        showError(error);
        progress.element.remove();
        view.root.classList.remove('working');
        for (const o of view.offers) o.button.disabled = false;
        working = false;
      }
    });
  }
  view.connect.addEventListener('click', () => {
    if (working) return;
    openConnectDialog({
      api,
      providers,
      onConnected: (connection) => connectedFromEmptyState(connection),
    });
  });
  mount(view.root);
  (view.offers[0]?.button ?? view.connect).focus();
}

/** The first-run screen, with the banks the backend knows. */
async function showWelcome(): Promise<void> {
  let providers: ProviderInfo[] = [];
  try {
    providers = await api.providers();
  } catch (error) {
    // Still useful without them: "Connect a bank" asks again and says what went wrong.
    console.error('providers: cannot load', error);
  }
  showEmptyState(providers);
}

/** A bank was connected from the first-run screen: the Connections view, syncing it. */
async function connectedFromEmptyState(connection: ConnectionView): Promise<void> {
  try {
    await showMainView('connections');
  } catch (error) {
    showError(error);
    return;
  }
  await mainView?.connected(connection);
}

async function showMainView(initial?: View): Promise<void> {
  const view = new MainView(api, { onEmpty: () => void showWelcome() });
  if (initial) view.store.update({ view: initial });
  // Balances, accounts, categories and vendors are in place before the switch; then the view
  // from the URL (the dashboard by default) loads, and the transactions table's first page.
  await view.loadOverview();
  mount(view.element);
  mainView = view;
  await view.start();
}

function showUnavailable(): void {
  const retry = el('button', { id: 'retry', class: 'button primary', attrs: { type: 'button' }, text: 'Try again' });
  retry.addEventListener('click', () => {
    hideError();
    void start();
  });
  mount(
    el(
      'main',
      { class: 'empty-state' },
      el(
        'section',
        { class: 'card empty-card compact' },
        el('div', { class: 'empty-mark warn' }, icon('alert')),
        el('h1', { class: 'empty-title', text: 'Coffer could not load your data' }),
        el('p', { class: 'empty-lead', text: 'The reason is shown above. Try again in a moment.' }),
        el('div', { class: 'empty-actions' }, retry),
      ),
    ),
  );
}

/** Writes amounts and dates in the locale the settings name, else the OS's. */
async function applyLocaleSetting(): Promise<void> {
  try {
    const settings = await api.settings();
    setLocale(settings.find((s) => s.key === 'app.locale')?.value);
  } catch {
    setLocale(null); // the settings cannot be read: the OS's locale, and start says why
  }
  document.documentElement.lang = currentLocale();
}

async function start(): Promise<void> {
  app.setAttribute('aria-busy', 'true');
  try {
    await applyLocaleSetting();
    const status = await api.appStatus();
    if (status.accounts > 0) await showMainView();
    // Connected but nothing synced yet (a login that never finished its first sync, a bank
    // that needs a new login): straight to the Connections view, where that can be fixed.
    else if (status.connections.length > 0) await showMainView('connections');
    else await showWelcome();
  } catch (error) {
    showError(error);
    showUnavailable();
  } finally {
    app.setAttribute('aria-busy', 'false');
  }
}

installErrorBanner();
void listenForRefusedDeepLinks();
// A sync the app ran on its own: shown in the main window; on the welcome screen, data that
// arrived (a bank connected from the command line) opens the main window.
void listenForBackgroundSync(() =>
  mainView ?? {
    backgroundEvent: () => {},
    dataChanged: () => {
      // Only from the welcome screen: while the first view is still loading it shows the data.
      if (document.getElementById('empty-state')) void start();
    },
  },
);
void start();
