package zkchain.state;

import java.io.PrintStream;

/**
 * How far a replay is: on a terminal a bar redrawn in place (batches/s, transfers/s, ETA), elsewhere
 * a plain line every few seconds, so a log stays readable; a summary at the end.
 */
public final class Progress {
  private static final long TTY_EVERY_NANOS = 200_000_000L;
  private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;

  private final PrintStream out;
  private final boolean tty;
  private final long total;
  private final long start = System.nanoTime();
  private long last = start;
  private long batches;
  private long transactions;

  public Progress(PrintStream out, boolean tty, long total) {
    this.out = out;
    this.tty = tty;
    this.total = Math.max(total, 1);
  }

  public void add(long batchesDone, long transactionsDone) {
    batches += batchesDone;
    transactions += transactionsDone;
    long now = System.nanoTime();
    if (now - last < (tty ? TTY_EVERY_NANOS : PLAIN_EVERY_NANOS)) return;
    last = now;
    String line = line(now);
    if (tty) {
      out.print("\r" + line);
    } else {
      out.println(line);
    }
    out.flush();
  }

  public long batches() {
    return batches;
  }

  public long transactions() {
    return transactions;
  }

  public double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  public double batchesPerSecond() {
    return batches / Math.max(seconds(), 1e-9);
  }

  public double transfersPerSecond() {
    return transactions / Math.max(seconds(), 1e-9);
  }

  String line(long now) {
    double s = Math.max((now - start) / 1e9, 1e-9);
    double rate = batches / s;
    long eta = rate > 0 ? Math.round((total - batches) / rate) : -1;
    int width = 30;
    int filled = (int) Math.min(width, width * batches / total);
    String bar = tty ? "[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " : "";
    return String.format("%s%d/%d batches | %.0f batches/s | %.0f transfers/s | ETA %s", bar, batches, total, rate,
        transactions / s, eta < 0 ? "?" : eta + "s");
  }

  /** Ends the bar's line on a terminal, then the summary. */
  public void summary(String what) {
    if (tty) out.println();
    out.printf("%s: %d batches, %d transactions in %.1f s (%.0f batches/s, %.0f transfers/s)%n", what, batches,
        transactions, seconds(), batchesPerSecond(), transfersPerSecond());
    out.flush();
  }
}
