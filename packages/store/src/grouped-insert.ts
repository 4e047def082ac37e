interface Group<T> {
  documents: T[];
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

/**
 * Appends documents to one collection, writing the calls that arrive while a write is in flight
 * together as the next write: an idle service writes at once, a busy one writes a few large
 * batches instead of one small insert per request. Every caller's promise settles with the write
 * that holds its documents, so nothing is acknowledged before it is stored.
 */
export class GroupedInsert<T> {
  private readonly write: (documents: T[]) => Promise<unknown>;
  private pending: Group<T> = { documents: [], waiters: [] };
  private writing = false;

  constructor(write: (documents: T[]) => Promise<unknown>) {
    this.write = write;
  }

  insert(documents: T[]): Promise<void> {
    if (documents.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.documents.push(...documents);
      this.pending.waiters.push({ resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    if (this.writing) return;
    this.writing = true;
    void (async () => {
      while (this.pending.waiters.length > 0) {
        const group = this.pending;
        this.pending = { documents: [], waiters: [] };
        try {
          await this.write(group.documents);
          for (const w of group.waiters) w.resolve();
        } catch (err) {
          for (const w of group.waiters) w.reject(err);
        }
      }
      this.writing = false;
    })();
  }
}
