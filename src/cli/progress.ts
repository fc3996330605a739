/**
 * A one-line progress bar on a terminal, redrawn at most ten times a second
 * (counting is a plain increment: the bench calls `add` once per message).
 * Without a terminal it draws nothing.
 */
const WIDTH = 30;

export class Progress {
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly started = Date.now();

  constructor(private readonly write: ((text: string) => void) | null, private readonly total: number) {
    if (write !== null && total > 0) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
  }

  add(n: number): void {
    this.count += n;
  }

  done(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.draw();
    this.write!('\n');
  }

  private draw(): void {
    const frac = Math.min(1, this.count / this.total);
    const full = Math.round(frac * WIDTH);
    const bar = '='.repeat(Math.max(0, full - 1)) + (full > 0 ? (frac < 1 ? '>' : '=') : '') + ' '.repeat(WIDTH - full);
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? Math.round(this.count / secs) : 0;
    this.write!(`\r[${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${this.count}/${this.total} msgs, ${rate} msgs/s `);
  }
}
