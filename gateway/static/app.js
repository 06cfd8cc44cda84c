// The demo SPA: shows who is logged in through the gateway, and logs in and out.
// The Intercom token stays in the gateway; this page only ever sees the HttpOnly session cookie
// travel with its same-origin requests. Data from the server is shown with textContent only.
'use strict';

(() => {
  const LOGIN_URL = '/auth/login?return_to=/';

  const byId = (id) => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`index.html has no element #${id}`);
    return element;
  };

  const ui = {
    status: byId('status'),
    who: byId('who'),
    adminName: byId('admin-name'),
    adminEmail: byId('admin-email'),
    workspaceName: byId('workspace-name'),
    error: byId('error'),
    login: byId('login'),
    logout: byId('logout'),
    retry: byId('retry'),
  };

  // Each refresh gets a number so that a slow, older answer cannot overwrite a newer one.
  let latestRefresh = 0;

  function showError(message) {
    ui.error.textContent = message;
    ui.error.hidden = false;
  }

  function clearError() {
    ui.error.textContent = '';
    ui.error.hidden = true;
  }

  function text(value) {
    return typeof value === 'string' && value !== '' ? value : '(not given)';
  }

  // One place decides what is visible in each state; data-state is a stable hook for tests.
  function render(state, statusText, session) {
    ui.status.dataset.state = state;
    ui.status.textContent = statusText;

    const signedIn = state === 'authenticated';
    ui.who.hidden = !signedIn;
    ui.adminName.textContent = signedIn ? text(session.admin?.name) : '';
    ui.adminEmail.textContent = signedIn ? text(session.admin?.email) : '';
    ui.workspaceName.textContent = signedIn ? text(session.workspace?.name) : '';

    ui.login.hidden = state !== 'anonymous';
    ui.logout.hidden = !signedIn;
    ui.logout.disabled = false;
    ui.retry.hidden = state !== 'unavailable' && state !== 'error';
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }

  async function refresh() {
    const id = ++latestRefresh;
    clearError();
    render('loading', 'Checking your session…');

    let response;
    try {
      response = await fetch('/auth/session', {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      });
    } catch {
      if (id !== latestRefresh) return;
      render('error', 'Could not check your session.');
      showError('The gateway could not be reached. Check that it is running, then try again.');
      return;
    }

    const body = await readJson(response);
    if (id !== latestRefresh) return;

    if (response.status === 200 && body && body.authenticated === true) {
      render('authenticated', `Logged in as ${text(body.admin?.name)}.`, body);
    } else if (response.status === 401) {
      render('anonymous', 'Not logged in.');
    } else if (response.status === 503) {
      render('unavailable', 'Session store unavailable.');
      showError('The gateway cannot reach its session store right now (HTTP 503), so it cannot '
        + 'tell who you are. Try again in a moment.');
    } else {
      render('error', 'Could not check your session.');
      showError(response.status === 200
        ? 'GET /auth/session answered 200 without a valid session description.'
        : `GET /auth/session answered HTTP ${response.status}.`);
    }
  }

  async function logout() {
    clearError();
    ui.logout.disabled = true;
    let response;
    try {
      response = await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' });
    } catch {
      ui.logout.disabled = false;
      showError('Log out failed: the gateway could not be reached.');
      return;
    }
    if (response.status !== 204) {
      ui.logout.disabled = false;
      showError(`Log out failed: POST /auth/logout answered HTTP ${response.status}.`);
      return;
    }
    await refresh();
  }

  ui.login.addEventListener('click', () => {
    window.location.assign(LOGIN_URL);
  });
  ui.logout.addEventListener('click', () => {
    logout();
  });
  ui.retry.addEventListener('click', () => {
    refresh();
  });
  // A page restored from the back/forward cache may show a session that has since changed.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) refresh();
  });

  refresh();
})();
