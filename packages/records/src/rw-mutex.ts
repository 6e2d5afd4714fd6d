/**
 * In-process async reader/writer mutex (writer-preferring), so that concurrent operations on
 * one store object never ask its LockFile for a lock it already holds in the other mode.
 */
export class RWMutex {
  private readers = 0;
  private writer = false;
  private readonly waiting: Array<{ write: boolean; wake: () => void }> = [];

  async acquireRead(): Promise<void> {
    if (!this.writer && !this.waiting.some((w) => w.write)) {
      this.readers++;
      return;
    }
    await new Promise<void>((wake) => this.waiting.push({ write: false, wake }));
  }

  async acquireWrite(): Promise<void> {
    if (!this.writer && this.readers === 0) {
      this.writer = true;
      return;
    }
    await new Promise<void>((wake) => this.waiting.push({ write: true, wake }));
  }

  releaseRead(): void {
    this.readers--;
    this.dispatch();
  }

  releaseWrite(): void {
    this.writer = false;
    this.dispatch();
  }

  private dispatch(): void {
    while (this.waiting.length > 0 && !this.writer) {
      const next = this.waiting[0]!;
      if (next.write) {
        if (this.readers > 0) return;
        this.waiting.shift();
        this.writer = true;
        next.wake();
        return;
      }
      this.waiting.shift();
      this.readers++;
      next.wake();
    }
  }
}
