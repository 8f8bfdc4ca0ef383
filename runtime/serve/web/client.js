// The browser client of `being serve` (protocol: docs/streaming-protocol.md). Captures the
// microphone (or plays a file) through an AudioWorklet, streams float32 chunks over a WebSocket,
// and shows the frames that come back in a canvas. With "play the audio" on, the server's echo of
// the audio is scheduled on the AudioContext clock and each frame is shown when the sound reaches
// its timestamp; otherwise frames are shown as they arrive (the microphone's own sound is not
// played back, which would feed back into it).
//
// URL parameters, for scripted use: ?autostart=mic|file-url, &size=N, &avatar=NAME, &play=1.
'use strict';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// What the page measured, also read by the headless browser test.
window.beingStats = { state: 'idle', frames: 0, fps: 0, latencyMs: 0, serverMs: 0, error: '' };

function setStatus(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
  if (isError) window.beingStats.error = text;
  window.beingStats.state = text;
}

function median(values) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function parseFrame(buffer) {
  const view = new DataView(buffer);
  const header = view.getUint32(4, true);
  const codeCount = view.getUint32(40, true);
  const codes = [];
  for (let k = 0; k < codeCount; ++k) codes.push(view.getFloat32(44 + 4 * k, true));
  return {
    index: Number(view.getBigInt64(8, true)),
    pts: Number(view.getBigInt64(16, true)),
    ready: Number(view.getBigInt64(24, true)),
    width: view.getUint16(32, true),
    height: view.getUint16(34, true),
    serverMs: view.getFloat32(36, true),
    codes,
    jpeg: new Blob([new Uint8Array(buffer, header)], { type: 'image/jpeg' }),
  };
}

function parseAudio(buffer) {
  const view = new DataView(buffer);
  const first = Number(view.getBigInt64(8, true));
  const rate = view.getUint32(16, true);
  const format = view.getUint32(20, true);
  const payload = buffer.slice(24);
  let samples;
  if (format === 1) {
    samples = new Float32Array(payload);
  } else {
    const ints = new Int16Array(payload);
    samples = Float32Array.from(ints, (v) => v / 32768);
  }
  return { first, rate, samples };
}

class Session {
  constructor({ avatar, size, source, fileBuffer, playAudio }) {
    this.avatar = avatar;
    this.size = size;
    this.source = source;
    this.fileBuffer = fileBuffer;
    this.playAudio = playAudio;
    this.sent = 0;          // samples sent
    this.sendLog = [];      // [{end, time}]: when the chunk ending at sample `end` was sent
    this.frames = [];       // decoded frames waiting for their time: {time, bitmap}
    this.shownTimes = [];   // performance.now() of the frames shown in the last second
    this.latencies = [];
    this.serverMs = [];
    this.audioBase = null;  // AudioContext time of sample 0 of the echoed audio
    this.stopped = false;
  }

  async start() {
    this.context = new AudioContext();
    await this.context.resume();
    await this.context.audioWorklet.addModule('audio-capture.js');
    this.capture = new AudioWorkletNode(this.context, 'being-capture', { numberOfOutputs: 1 });
    const mute = this.context.createGain();
    mute.gain.value = 0;
    this.capture.connect(mute).connect(this.context.destination);

    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.ws = new WebSocket(`${scheme}//${location.host}/ws`);
    this.ws.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      this.ws.onopen = resolve;
      this.ws.onerror = () => reject(new Error('cannot connect to the server'));
    });
    const start = { type: 'start', sample_rate: this.context.sampleRate, format: 'f32', fps: 25,
                    frames: this.playAudio ? 'all' : 'latest', echo: this.playAudio };
    if (this.avatar) start.avatar = this.avatar;
    if (this.size) { start.width = this.size; start.height = this.size; }
    this.ws.send(JSON.stringify(start));
    this.ws.onmessage = (event) => this.onMessage(event);
    this.ws.onclose = (event) => {
      if (!window.beingStats.error) setStatus(`closed (${event.code}${event.reason ? ': ' + event.reason : ''})`);
      this.finish();
    };

    this.capture.port.onmessage = (event) => this.sendChunk(event.data);
    if (this.source === 'mic') {
      this.stream = await navigator.mediaDevices.getUserMedia(
          { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
      this.context.createMediaStreamSource(this.stream).connect(this.capture);
    } else {
      const decoded = await this.context.decodeAudioData(this.fileBuffer);
      this.player = this.context.createBufferSource();
      this.player.buffer = decoded;
      this.player.connect(this.capture);
      this.player.onended = () => this.stop();
      this.player.start();
    }
    setStatus('streaming');
    this.draw = this.draw.bind(this);
    requestAnimationFrame(this.draw);
  }

  sendChunk(samples) {
    if (this.stopped || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(samples.buffer);
    this.sent += samples.length;
    this.sendLog.push({ end: this.sent, time: performance.now() });
  }

  onMessage(event) {
    if (typeof event.data === 'string') {
      const message = JSON.parse(event.data);
      if (message.type === 'ready') {
        $('view').width = message.width;
        $('view').height = message.height;
        this.rate = message.sample_rate;
        this.playoutDelay = message.look_ahead_ms / 1000 + 0.25;
      } else if (message.type === 'error') {
        setStatus('server: ' + message.message, true);
      } else if (message.type === 'end') {
        setStatus(`ended: ${message.frames} frames`);
      }
      return;
    }
    const magic = String.fromCharCode(...new Uint8Array(event.data, 0, 4));
    if (magic === 'BFRM') this.onFrame(parseFrame(event.data));
    else if (magic === 'BAUD') this.onAudio(parseAudio(event.data));
  }

  onFrame(frame) {
    const now = performance.now();
    while (this.sendLog.length > 1 && this.sendLog[0].end < frame.ready) this.sendLog.shift();
    if (this.sendLog.length > 0 && this.sendLog[0].end >= frame.ready) {
      this.latencies.push(now - this.sendLog[0].time);
      if (this.latencies.length > 50) this.latencies.shift();
    }
    this.serverMs.push(frame.serverMs);
    if (this.serverMs.length > 50) this.serverMs.shift();
    createImageBitmap(frame.jpeg).then((bitmap) => {
      this.frames.push({ time: frame.pts / this.rate, bitmap });
      if (!this.playAudio) {
        while (this.frames.length > 1) this.frames.shift().bitmap.close();
      }
    });
  }

  onAudio(audio) {
    if (!this.playAudio) return;
    const ctx = this.context;
    if (this.audioBase === null) this.audioBase = ctx.currentTime + this.playoutDelay - audio.first / audio.rate;
    const buffer = ctx.createBuffer(1, audio.samples.length, audio.rate);
    buffer.copyToChannel(audio.samples, 0);
    const node = ctx.createBufferSource();
    node.buffer = buffer;
    node.connect(ctx.destination);
    const when = this.audioBase + audio.first / audio.rate;
    if (when >= ctx.currentTime) node.start(when);
    else node.start(ctx.currentTime, Math.min(ctx.currentTime - when, buffer.duration));
  }

  // Shows the newest frame that is due: at once without audio playback, else when the sound
  // being heard reaches the frame's time.
  draw() {
    if (this.stopped && this.frames.length === 0) return;
    let due = null;
    if (!this.playAudio) {
      due = this.frames.shift() || null;
    } else if (this.audioBase !== null) {
      const heard = this.context.currentTime - (this.context.outputLatency || 0) - this.audioBase;
      while (this.frames.length > 0 && this.frames[0].time <= heard) {
        if (due) due.bitmap.close();
        due = this.frames.shift();
      }
    }
    if (due) {
      $('view').getContext('2d').drawImage(due.bitmap, 0, 0, $('view').width, $('view').height);
      due.bitmap.close();
      const now = performance.now();
      this.shownTimes.push(now);
      while (this.shownTimes.length > 0 && now - this.shownTimes[0] > 1000) this.shownTimes.shift();
      const stats = window.beingStats;
      stats.frames += 1;
      stats.fps = this.shownTimes.length;
      stats.latencyMs = median(this.latencies);
      stats.serverMs = median(this.serverMs);
      $('stats').textContent = `fps ${stats.fps.toFixed(1)} · latency ${stats.latencyMs.toFixed(0)} ms ` +
          `(server ${stats.serverMs.toFixed(0)} ms) · frames ${stats.frames}`;
    }
    requestAnimationFrame(this.draw);
  }

  stop() {
    if (this.stopped) return;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'stop' }));
    this.stopped = true;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    if (this.player) this.player.onended = null;
  }

  finish() {
    this.stop();
    $('start').disabled = false;
    $('stop').disabled = true;
  }
}

let session = null;

async function startSession(source, fileBuffer) {
  $('start').disabled = true;
  $('stop').disabled = false;
  window.beingStats.error = '';
  session = new Session({ avatar: $('avatar').value, size: Number($('size').value) || 0, source, fileBuffer,
                          playAudio: $('play').checked });
  try {
    await session.start();
  } catch (e) {
    setStatus(String(e.message || e), true);
    session.finish();
  }
}

async function loadAvatars() {
  const response = await fetch('avatars');
  const { avatars } = await response.json();
  for (const a of avatars) {
    const option = document.createElement('option');
    option.value = a.name;
    option.textContent = `${a.name} (${a.width}x${a.height})`;
    $('avatar').appendChild(option);
  }
  if (params.get('avatar')) $('avatar').value = params.get('avatar');
}

$('start').onclick = async () => {
  if ($('source').value === 'file') {
    const file = $('file').files[0];
    if (!file) return setStatus('choose an audio file first', true);
    startSession('file', await file.arrayBuffer());
  } else {
    startSession('mic');
  }
};
$('stop').onclick = () => session && session.stop();

loadAvatars().then(async () => {
  if (params.get('size')) $('size').value = params.get('size');
  if (params.get('play') === '1') $('play').checked = true;
  const auto = params.get('autostart');
  if (auto === 'mic') {
    startSession('mic');
  } else if (auto) {
    const response = await fetch(auto);
    startSession('file', await response.arrayBuffer());
  }
}).catch((e) => setStatus('cannot list the avatars: ' + e, true));
