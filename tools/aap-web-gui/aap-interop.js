// AAPInterop: the AAP web UI protocol for a plugin's web page (docs/gui.md, "Web UIs").
//
// `aap-host gui` serves this file as aap-interop.js next to the plugin's index.html, preceded by
// one line that sets globalThis.AAP_PLUGIN_INFO (ports, parameters, presets). A page includes it
// with <script src="aap-interop.js"></script> and then calls AAPInterop.* as in AAP's web UI
// protocol. Messages are the GUI message set of docs/gui.md (binary, 24-byte header + payload),
// plus two text messages of the web layer: "log TEXT" and "preset N" (both directions for presets).
// sendMidi1 sends MIDI 2.0 channel voice UMP (converted here), so every plugin gets MIDI 2.0.
//
// Transport: a WebSocket back to the page's own server, unless the host's web view defines
// globalThis.AAPInteropTransport before this script runs: an object with send(ArrayBuffer|string)
// whose owner calls AAPInteropTransport.receive(ArrayBuffer|string) for each message from the
// host and AAPInteropTransport.opened() once it can send (docs/gui.md).
(function () {
  'use strict';
  const info = globalThis.AAP_PLUGIN_INFO || { ports: [], parameters: [], presets: [], token: '' };
  const MAGIC = 0x47504141, VERSION = 1, HEADER = 24;
  const T = { Hello: 1, Welcome: 2, Initialize: 3, InitializeAck: 4, Cleanup: 5, CleanupAck: 6, Ping: 7, Pong: 8,
              Events: 9, ParameterValues: 10, Levels: 11, Resync: 12, Error: 13 };

  let session = 0, sequence = 0, ready = false, closed = false, socket = null;
  const outbox = [];            // messages waiting for the session to be initialized
  const values = new Map();     // parameter id -> current plain value
  const levels = new Map();     // port index -> peak (linear)
  let selectedPreset = -1;
  const listeners = { parameter: [], level: [], midi: [], preset: [], connection: [] };
  for (const p of info.parameters) values.set(p.id, p.value !== undefined ? p.value : p.default);

  function fire(kind, ...args) {
    for (const f of listeners[kind].slice()) {
      try { f(...args); } catch (e) { console.error(e); }
    }
  }

  function message(type, payload) {
    const bytes = new Uint8Array(HEADER + payload.byteLength);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint16(4, VERSION, true);
    view.setUint16(6, type, true);
    view.setUint32(8, session, true);
    view.setUint32(12, ++sequence, true);
    view.setUint32(16, payload.byteLength, true);
    view.setUint32(20, 0, true);
    bytes.set(new Uint8Array(payload.buffer || payload, payload.byteOffset || 0, payload.byteLength), HEADER);
    return bytes.buffer;
  }
  function reply(type, toSequence) {
    const m = message(type, new Uint8Array(0));
    new DataView(m).setUint32(12, toSequence, true);
    return m;
  }

  const transport = globalThis.AAPInteropTransport || null;
  function rawSend(data) {
    if (transport) transport.send(data);
    else if (socket && socket.readyState === 1) socket.send(data);
  }
  function sendEvents(words) {
    const payload = new Uint8Array(words.length * 4);
    const view = new DataView(payload.buffer);
    words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
    const m = () => message(T.Events, payload);
    if (ready) rawSend(m());
    else outbox.push(m);
  }
  function sendText(text) {
    if (ready) rawSend(text);
    else outbox.push(() => text);
  }

  function unhex(hex) {
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function onOpen() {
    const token = unhex(info.token);
    const payload = new Uint8Array(8 + token.length);
    const view = new DataView(payload.buffer);
    view.setUint32(0, VERSION, true);
    view.setUint32(4, token.length, true);
    payload.set(token, 8);
    rawSend(message(T.Hello, payload));
  }

  function receive(data) {
    if (typeof data === 'string') {
      const preset = /^preset (\d+)$/.exec(data);
      if (preset) {
        selectedPreset = Number(preset[1]);
        fire('preset', selectedPreset);
      }
      return;
    }
    const view = new DataView(data);
    if (data.byteLength < HEADER || view.getUint32(0, true) !== MAGIC) return;
    const type = view.getUint16(6, true), seq = view.getUint32(12, true), size = view.getUint32(16, true);
    if (HEADER + size !== data.byteLength) return;
    const at = HEADER;
    switch (type) {
    case T.Welcome:
      session = view.getUint32(at + 4, true);
      break;
    case T.Initialize:
      rawSend(reply(T.InitializeAck, seq));
      ready = true;
      while (outbox.length) rawSend(outbox.shift()());
      fire('connection', true);
      break;
    case T.Cleanup:
      rawSend(reply(T.CleanupAck, seq));
      ready = false;
      break;
    case T.Ping:
      rawSend(reply(T.Pong, seq));
      break;
    case T.ParameterValues: {
      // A snapshot (flag bit 0: every parameter, after a Resync or when the session starts) or the
      // values that changed; listeners get (id, value, snapshot).
      const snapshot = (view.getUint32(at, true) & 1) !== 0;
      const count = view.getUint32(at + 4, true);
      for (let i = 0; i < count; i++) {
        const id = view.getInt32(at + 8 + i * 16, true), value = view.getFloat64(at + 8 + i * 16 + 8, true);
        values.set(id, value);
        fire('parameter', id, value, snapshot);
      }
      break;
    }
    case T.Levels: {
      const count = view.getUint32(at, true);
      const changed = {};
      for (let i = 0; i < count; i++) {
        const port = view.getInt32(at + 4 + i * 8, true), peak = view.getFloat32(at + 4 + i * 8 + 4, true);
        levels.set(port, peak);
        changed[port] = peak;
      }
      fire('level', changed);
      break;
    }
    case T.Events: {
      const words = new Uint32Array(size / 4);
      for (let i = 0; i < words.length; i++) words[i] = view.getUint32(at + i * 4, true);
      fire('midi', words);
      break;
    }
    case T.Error: {
      const bytes = new Uint8Array(data, at + 4, size - 4);
      console.warn('AAPInterop: host error ' + view.getUint32(at, true) + ': ' + new TextDecoder().decode(bytes));
      break;
    }
    default:
      break;
    }
  }

  function connect() {
    if (transport) {
      transport.receive = receive;
      transport.opened = onOpen;
      return;
    }
    const path = location.pathname.replace(/[^/]*$/, '');
    socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path + 'ws');
    socket.binaryType = 'arraybuffer';
    socket.onopen = onOpen;
    socket.onmessage = (e) => receive(e.data);
    socket.onclose = () => { ready = false; socket = null; fire('connection', false); };
  }

  // MIDI 1.0 value scaling to more bits (the MIDI 2.0 specification's min-center-max scaling, as
  // aap-host's midi1-to-ump.cpp).
  function scaleUp(value, sourceBits, destinationBits) {
    const scaleBits = destinationBits - sourceBits;
    let shifted = (value << scaleBits) >>> 0;
    if (value <= (1 << (sourceBits - 1))) return shifted;
    // Above the center, repeat the value's low bits into the new low bits so max maps to max.
    const repeatBits = sourceBits - 1;
    let repeat = value & ((1 << repeatBits) - 1);
    repeat = scaleBits > repeatBits ? (repeat << (scaleBits - repeatBits)) >>> 0 : repeat >>> (repeatBits - scaleBits);
    while (repeat !== 0) {
      shifted = (shifted | repeat) >>> 0;
      repeat = repeat >>> repeatBits;
    }
    return shifted;
  }
  // A MIDI 1.0 channel message -> a MIDI 2.0 channel voice UMP (message type 4, group 0): the
  // plugin gets MIDI 2.0 whatever the page speaks.
  function midi1ToMidi2(status, data1, data2) {
    let kind = status >> 4, index = data1, value = 0;
    const channel = status & 0xF;
    switch (kind) {
    case 0x9:
      if (data2 === 0) { kind = 0x8; value = scaleUp(64, 7, 16) * 65536; }  // note on, velocity 0: note off
      else value = scaleUp(data2, 7, 16) * 65536;
      break;
    case 0x8: value = scaleUp(data2, 7, 16) * 65536; break;
    case 0xA: case 0xB: value = scaleUp(data2, 7, 32); break;
    case 0xC: index = 0; value = data1 * 16777216; break;
    case 0xD: index = 0; value = scaleUp(data1, 7, 32); break;
    case 0xE: index = 0; value = scaleUp(data2 * 128 + data1, 14, 32); break;
    default: throw new Error('sendMidi1: not a channel message');
    }
    return [((0x4 << 28) | (kind << 20) | (channel << 16) | (index << 8)) >>> 0, value >>> 0];
  }

  function parameterById(id) {
    for (const p of info.parameters) if (p.id === id) return p;
    return null;
  }
  // Plain value -> the 32-bit transport form of docs/spec/wire.md section 5 (as aap/ext/midi.h).
  function transportValue(p, value) {
    let n = p.maximum > p.minimum ? (value - p.minimum) / (p.maximum - p.minimum) : 0;
    if (!(n > 0)) return 0;
    if (n >= 1) return 0xFFFFFFFF;
    return Math.floor(n * 4294967295 + 0.5) >>> 0;
  }

  const AAPInterop = {
    // ---- AAP's web UI protocol ----
    log(text) { sendText('log ' + String(text)); },
    onInitialize() { if (!socket && !closed) connect(); },
    onCleanup() {
      closed = true;
      ready = false;
      if (socket) socket.close(1000, 'cleanup');
    },
    onShow() {},
    onHide() {},
    sendMidi1(data) {
      const bytes = Array.from(data);
      const words = [];
      for (let i = 0; i < bytes.length;) {
        const status = bytes[i];
        const length = (status & 0xF0) === 0xC0 || (status & 0xF0) === 0xD0 ? 2 : 3;
        if (status < 0x80 || status >= 0xF0 || i + length > bytes.length)
          throw new Error('sendMidi1: not a MIDI 1.0 channel message at byte ' + i);
        words.push(...midi1ToMidi2(status, bytes[i + 1] & 0x7F, length > 2 ? bytes[i + 2] & 0x7F : 0));
        i += length;
      }
      sendEvents(words);
    },
    setParameter(id, value) {
      const p = parameterById(id);
      if (!p) throw new Error('setParameter: no parameter ' + id);
      const v = Math.min(p.maximum, Math.max(p.minimum, Number(value)));
      if (Number.isNaN(v)) throw new Error('setParameter: not a number');
      // The parameter-change SysEx8 of docs/spec/wire.md section 5.
      sendEvents([0x500E007E, 0x7F000000, id & 0xFFFF, transportValue(p, v)]);
      values.set(id, v);
    },
    write(port, data, offset, length) {
      const p = info.ports[port];
      if (!p || p.content !== 3 || p.direction !== 0)
        throw new Error('write: port ' + port + ' is not a MIDI2 input port (only UMP can reach the plugin)');
      const bytes = new Uint8Array(data.buffer || data).subarray(offset || 0, (offset || 0) + length);
      if (bytes.length % 4 !== 0) throw new Error('write: UMP data must be whole 32-bit words');
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const words = [];
      for (let i = 0; i < bytes.length; i += 4) words.push(view.getUint32(i, true));
      sendEvents(words);
    },
    getPortCount() { return info.ports.length; },
    getPort(index) {
      const p = info.ports[index];
      if (!p) throw new Error('getPort: no port ' + index);
      return { getIndex: () => p.index, getName: () => p.name, getContent: () => p.content,
               getDirection: () => p.direction };
    },
    getParameterCount() { return info.parameters.length; },
    getParameter(index) {
      const p = info.parameters[index];
      if (!p) throw new Error('getParameter: no parameter at index ' + index);
      return { getId: () => p.id, getName: () => p.name, getMinValue: () => p.minimum, getMaxValue: () => p.maximum,
               getDefaultValue: () => p.default, getEnumerations: () => (p.enumerations || []).slice() };
    },
    // ---- What the protocol left for later ----
    getPluginName() { return info.name; },
    getPluginId() { return info.id; },
    isInstrument() { return !!info.instrument; },
    getParameterValue(id) { return values.has(id) ? values.get(id) : undefined; },
    addParameterListener(f) { listeners.parameter.push(f); },
    removeParameterListener(f) { listeners.parameter = listeners.parameter.filter((g) => g !== f); },
    getPresetCount() { return info.presets.length; },
    getPreset(index) {
      const p = info.presets[index];
      if (!p) throw new Error('getPreset: no preset ' + index);
      return { getIndex: () => p.index, getName: () => p.name };
    },
    selectPreset(index) {
      if (!info.presets[index]) throw new Error('selectPreset: no preset ' + index);
      sendText('preset ' + index);
    },
    getSelectedPreset() { return selectedPreset; },
    addPresetListener(f) { listeners.preset.push(f); },
    getPortLevel(port) { return levels.has(port) ? levels.get(port) : 0; },
    addLevelListener(f) { listeners.level.push(f); },
    addMidiOutputListener(f) { listeners.midi.push(f); },
    isConnected() { return ready; },
    addConnectionListener(f) { listeners.connection.push(f); },
  };
  globalThis.AAPInterop = AAPInterop;
})();
