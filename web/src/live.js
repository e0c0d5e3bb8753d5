// The live stream (GET /api/v1/stream, server-sent events): new alerts fill the inbox and new
// positions move the map without a reload. EventSource reconnects by itself after a lost
// connection, sending the last event id so that the server resumes where it stopped.
// The header shows the state in words and a shape (not a colour: colour means risk alone):
// "● live" connected, "○ reconnecting…" while the browser tries again or the stream was lost
// for good (refused: the session ended), hidden when the page closed it (signed out).

const STREAM_URL = '/api/v1/stream';

/** The live indicator in `root` for `status`: connected, reconnecting, lost or closed. */
export function renderLive(root, status) {
  root.hidden = status === 'closed';
  root.dataset.status = status;
  root.textContent = status === 'connected' ? '● live' : '○ reconnecting…';
  root.title = status === 'connected'
    ? 'Live: new alerts and positions appear as they arrive'
    : 'The live stream was lost: trying again';
}

/**
 * Follow the stream: `onAlert(alert)` for each changed alert, `onPositions(version)` when new
 * data was stored, `onStatus(status)` as the connection comes and goes: `lost` when the
 * browser gave up (the server refused the stream, as after the session ended), `closed` when
 * the returned function closed it.
 */
export function followLive({ onAlert, onPositions, onStatus }) {
  const source = new EventSource(STREAM_URL, { withCredentials: true });
  source.addEventListener('open', () => onStatus('connected'));
  source.addEventListener('error', () => onStatus(source.readyState === EventSource.CLOSED ? 'lost' : 'reconnecting'));
  source.addEventListener('alert', (event) => onAlert(JSON.parse(event.data)));
  source.addEventListener('positions', (event) => onPositions(JSON.parse(event.data).version));
  return () => {
    source.close();
    onStatus('closed');
  };
}

/** `work` at most once per `ms`, after the last call of a burst. */
export function debounced(work, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(work, ms);
  };
}
