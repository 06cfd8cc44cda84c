// The demo SPA: shows who is logged in through the gateway, logs in and out (after a confirm step),
// disconnects the workspace, and calls the Intercom API through the gateway's /intercom/ proxy. The
// Intercom token stays in the gateway; this page only ever sees the HttpOnly session cookie travel
// with its same-origin requests. Data from the server is shown with textContent only.
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
    confirmLogout: byId('confirm-logout'),
    logoutConfirm: byId('logout-confirm'),
    logoutCancel: byId('logout-cancel'),
    disconnect: byId('disconnect'),
    confirmDisconnect: byId('confirm-disconnect'),
    confirmDisconnectMessage: byId('confirm-disconnect-message'),
    disconnectConfirm: byId('disconnect-confirm'),
    disconnectCancel: byId('disconnect-cancel'),
    retry: byId('retry'),
    ended: byId('ended'),
    endedMessage: byId('ended-message'),
    loginAgain: byId('login-again'),
    api: byId('api'),
    callMe: byId('call-me'),
    apiStatus: byId('api-status'),
    apiError: byId('api-error'),
    apiResult: byId('api-result'),
  };

  // Each refresh gets a number so that a slow, older answer cannot overwrite a newer one.
  let latestRefresh = 0;
  // Likewise for API calls; a refresh also bumps it, so a call that outlives its session is dropped.
  let latestCall = 0;
  // Why the session ended ('token_revoked', 'unauthenticated', 'disconnected'), until the next login.
  let endedReason = null;
  // The logged-in workspace's name ('' when none or not given), and the one this page disconnected.
  let currentWorkspace = '';
  let disconnectedWorkspace = '';

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

  function endedMessage() {
    if (endedReason === 'disconnected') {
      const which = disconnectedWorkspace === '' ? 'The workspace' : `The workspace “${disconnectedWorkspace}”`;
      return `${which} was disconnected: the app is uninstalled from it at Intercom and every session `
        + 'of it has ended. Log in again to reconnect it.';
    }
    return endedReason === 'token_revoked'
      ? 'Your Intercom access ended — log in again.'
      : 'Your session has ended — log in again.';
  }

  // Closes both confirm steps (log out, disconnect); also re-enables the session buttons a logout or
  // a disconnect in progress disabled.
  function closeConfirm() {
    ui.confirmLogout.hidden = true;
    ui.logout.setAttribute('aria-expanded', 'false');
    ui.confirmDisconnect.hidden = true;
    ui.disconnect.setAttribute('aria-expanded', 'false');
    setBusy(false);
  }

  // While a logout or a disconnect is on its way, no other session button can start a second one.
  function setBusy(busy) {
    ui.logout.disabled = busy;
    ui.disconnect.disabled = busy;
    ui.logoutConfirm.disabled = busy;
    ui.logoutCancel.disabled = busy;
    ui.disconnectConfirm.disabled = busy;
    ui.disconnectCancel.disabled = busy;
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
    const name = signedIn ? session.workspace?.name : undefined;
    currentWorkspace = typeof name === 'string' ? name : '';

    if (signedIn) endedReason = null;
    // The notice has its own log-in button, so the plain one would only repeat it.
    ui.ended.hidden = endedReason === null || state === 'loading';
    ui.ended.dataset.reason = endedReason ?? '';
    ui.endedMessage.textContent = endedMessage();
    ui.login.hidden = state !== 'anonymous' || !ui.ended.hidden;
    ui.logout.hidden = !signedIn;
    ui.disconnect.hidden = !signedIn;
    closeConfirm();
    ui.retry.hidden = state !== 'unavailable' && state !== 'error';

    // The API card belongs to a session: whatever it showed goes when the session view changes.
    ui.api.hidden = !signedIn;
    if (!signedIn) {
      latestCall += 1;
      renderApi('idle', '');
    }
  }

  // The API card's state: idle (nothing shown), calling, done (a JSON body) or failed.
  function renderApi(state, statusText, body) {
    ui.apiStatus.dataset.state = state;
    ui.apiStatus.textContent = statusText;
    ui.apiStatus.hidden = state === 'idle';
    ui.callMe.disabled = state === 'calling';
    ui.apiResult.textContent = body === undefined ? '' : JSON.stringify(body, null, 2);
    ui.apiResult.hidden = body === undefined;
    ui.apiError.textContent = '';
    ui.apiError.hidden = true;
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

  // The confirm step first, so a stray click does not end the session.
  function askLogout() {
    clearError();
    closeConfirm();
    ui.confirmLogout.hidden = false;
    ui.logout.setAttribute('aria-expanded', 'true');
    ui.logoutConfirm.focus();
  }

  function cancelLogout() {
    closeConfirm();
    ui.logout.focus();
  }

  async function logout() {
    clearError();
    setBusy(true);
    let response;
    try {
      response = await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' });
    } catch {
      closeConfirm();
      showError('Log out failed: the gateway could not be reached.');
      return;
    }
    // The session store did not answer: the gateway cleared this browser's cookie anyway, and the
    // session itself ends on its own once idle.
    const loggedOutHere = response.status === 503
      && (await response.json().catch(() => ({}))).logged_out_here === true;
    if (response.status !== 204 && !loggedOutHere) {
      closeConfirm();
      showError(`Log out failed: POST /auth/logout answered HTTP ${response.status}.`);
      return;
    }
    await refresh();
    if (loggedOutHere) {
      showError('Logged out on this browser. The gateway could not reach its session store just now, '
        + 'so the session itself ends on its own after its idle timeout.');
    }
  }

  // The confirm step first: a disconnect ends every session of the workspace, not just this one.
  function askDisconnect() {
    clearError();
    closeConfirm();
    const which = currentWorkspace === '' ? 'this workspace' : `the workspace “${currentWorkspace}”`;
    ui.confirmDisconnectMessage.textContent = `Disconnect ${which}? This uninstalls the app from it at `
      + 'Intercom and logs out everyone using it through this gateway.';
    ui.confirmDisconnect.hidden = false;
    ui.disconnect.setAttribute('aria-expanded', 'true');
    // The safe choice has the focus, so a stray Enter does not disconnect.
    ui.disconnectCancel.focus();
  }

  function cancelDisconnect() {
    closeConfirm();
    ui.disconnect.focus();
  }

  async function disconnect() {
    clearError();
    setBusy(true);
    const workspace = currentWorkspace;
    let response;
    try {
      response = await fetch('/auth/disconnect', { method: 'POST', credentials: 'same-origin' });
    } catch {
      closeConfirm();
      showError('Disconnect failed: the gateway could not be reached. You are still logged in; try again.');
      return;
    }
    if (response.status === 204) {
      endedReason = 'disconnected';
      disconnectedWorkspace = workspace;
      await refresh();
      return;
    }
    if (response.status === 401) {
      // The session had already ended; show the page as the gateway now sees it.
      endedReason = 'unauthenticated';
      await refresh();
      return;
    }
    closeConfirm();
    if (response.status === 502) {
      showError('Disconnect failed: Intercom did not confirm the uninstall (HTTP 502), so nothing was '
        + 'disconnected and you are still logged in. Try again in a moment.');
    } else if (response.status === 503) {
      showError('Disconnect failed: the gateway cannot reach its session store right now (HTTP 503), '
        + 'so the disconnect did not finish. Try again in a moment.');
    } else {
      showError(`Disconnect failed: POST /auth/disconnect answered HTTP ${response.status}.`);
    }
  }

  async function callMe() {
    const id = ++latestCall;
    renderApi('calling', 'Calling GET /intercom/me…');

    let response;
    try {
      response = await fetch('/intercom/me', {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      });
    } catch {
      if (id !== latestCall) return;
      renderApi('failed', 'GET /intercom/me failed.');
      ui.apiError.textContent = 'The gateway could not be reached. Check that it is running, then try again.';
      ui.apiError.hidden = false;
      return;
    }

    const body = await readJson(response);
    if (id !== latestCall) return;

    if (response.status === 401) {
      // The gateway has ended the session (the token was revoked) or there was none: say so, and
      // let the session view catch up with what the gateway now knows.
      endedReason = body && body.reason === 'token_revoked' ? 'token_revoked' : 'unauthenticated';
      await refresh();
      return;
    }
    if (response.ok && body !== null) {
      renderApi('done', `GET /intercom/me answered HTTP ${response.status}.`, body);
      return;
    }
    renderApi('failed', `GET /intercom/me answered HTTP ${response.status}.`, body === null ? undefined : body);
    const code = body && typeof body.error === 'string' ? ` (${body.error})` : '';
    ui.apiError.textContent = response.ok
      ? 'The answer was not JSON.'
      : `The call did not succeed${code}. Try again in a moment.`;
    ui.apiError.hidden = false;
  }

  ui.login.addEventListener('click', () => {
    window.location.assign(LOGIN_URL);
  });
  ui.loginAgain.addEventListener('click', () => {
    window.location.assign(LOGIN_URL);
  });
  ui.callMe.addEventListener('click', () => {
    callMe();
  });
  ui.logout.addEventListener('click', () => {
    askLogout();
  });
  ui.logoutConfirm.addEventListener('click', () => {
    logout();
  });
  ui.logoutCancel.addEventListener('click', () => {
    cancelLogout();
  });
  ui.confirmLogout.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !ui.logoutCancel.disabled) cancelLogout();
  });
  ui.disconnect.addEventListener('click', () => {
    askDisconnect();
  });
  ui.disconnectConfirm.addEventListener('click', () => {
    disconnect();
  });
  ui.disconnectCancel.addEventListener('click', () => {
    cancelDisconnect();
  });
  ui.confirmDisconnect.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !ui.disconnectCancel.disabled) cancelDisconnect();
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
