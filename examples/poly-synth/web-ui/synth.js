'use strict';
// Wires the page to AAPInterop: the controls set parameters, the host's values move the controls,
// the keyboard plays notes, the meters show the output peaks.
const A = AAPInterop;
A.onInitialize();
A.addConnectionListener((up) => { document.getElementById('connection').textContent = up ? 'online' : 'offline'; });

for (let i = 0; i < A.getParameterCount(); i++) {
  const id = A.getParameter(i).getId();
  const control = document.getElementById('p' + id);
  if (!control) continue;
  control.value = A.getParameterValue(id);
  control.addEventListener('input', () => A.setParameter(id, Number(control.value)));
}
A.addParameterListener((id, value) => {
  const control = document.getElementById('p' + id);
  if (control && document.activeElement !== control) control.value = value;
});

const preset = document.getElementById('preset');
for (let i = 0; i < A.getPresetCount(); i++) preset.add(new Option(A.getPreset(i).getName(), i));
preset.addEventListener('change', () => A.selectPreset(Number(preset.value)));
A.addPresetListener((index) => { preset.value = index; });

A.addLevelListener(() => {
  document.getElementById('left').value = A.getPortLevel(0);
  document.getElementById('right').value = A.getPortLevel(1);
});

const keys = document.getElementById('keys');
for (let note = 48; note < 72; note++) {
  const key = document.createElement('button');
  if ([1, 3, 6, 8, 10].includes(note % 12)) key.className = 'sharp';
  const down = () => { key.classList.add('on'); A.sendMidi1([0x90, note, 110]); };
  const up = () => { if (key.classList.contains('on')) { key.classList.remove('on'); A.sendMidi1([0x80, note, 0]); } };
  key.addEventListener('pointerdown', down);
  key.addEventListener('pointerup', up);
  key.addEventListener('pointerleave', up);
  keys.appendChild(key);
}
window.addEventListener('unload', () => A.onCleanup());
