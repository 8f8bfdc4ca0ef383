// AudioWorklet: mono capture in chunks of about 20 ms, posted to the page as Float32Arrays.
class BeingCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.chunk = new Float32Array(Math.round(sampleRate / 50));
    this.filled = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const n = channels[0].length;
    for (let i = 0; i < n; ++i) {
      let sum = 0;
      for (const c of channels) sum += c[i];
      this.chunk[this.filled++] = sum / channels.length;
      if (this.filled === this.chunk.length) {
        this.port.postMessage(this.chunk.slice());
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('being-capture', BeingCapture);
