package zkchain.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A benchmark's figures over {@code -Druns=N} runs, each beside a physical limit measured in the
 * same run, with the ratio between them. The machine is shared and noisy: a figure alone says
 * little, the ratio to a limit that suffered the same noise says more. Each run prints its lines
 * as it ends; {@link #summary} prints the medians: of the figures, of the limits, and of the
 * ratios, each ratio taken within its own run.
 */
final class Runs {
  /** One figure of one run, beside a limit of the same run. */
  record Figure(String name, double value, String unit, String limitName, double limit, String limitUnit,
                double ratio, String ratioMeaning) {
    /** A rate: the ratio is figure / limit (100% = at the limit). */
    static Figure rate(String name, double value, String unit, String limitName, double limit, String limitUnit) {
      return new Figure(name, value, unit, limitName, limit, limitUnit, value / limit, "figure/limit");
    }

    /** A duration: the limit is the least it could take; the ratio is limit / figure (100% = at the limit). */
    static Figure time(String name, double value, String unit, String limitName, double limit) {
      return new Figure(name, value, unit, limitName, limit, unit, limit / value, "limit/figure");
    }

    /** A figure with no ratio (the limit column is left empty). */
    static Figure alone(String name, double value, String unit) {
      return new Figure(name, value, unit, null, Double.NaN, null, Double.NaN, null);
    }
  }

  private final String title;
  private final int count;
  private final Map<String, List<Figure>> figures = new LinkedHashMap<>();

  /** {@code defaultRuns} unless -Druns=N says otherwise. */
  Runs(String title, int defaultRuns) {
    this.title = title;
    this.count = Integer.getInteger("runs", defaultRuns);
    if (count < 1) throw new IllegalArgumentException("-Druns must be ≥ 1, got " + count);
  }

  int count() {
    return count;
  }

  /** Prints the run's header line. */
  void start(int run, String what) {
    System.out.printf("%n-- %s run %d of %d%s%n", title, run, count, what.isEmpty() ? "" : ": " + what);
  }

  void add(Figure f) {
    figures.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(f);
    System.out.println("  " + line(f.name(), f.value(), f.unit(), f.limitName(), f.limit(), f.limitUnit(), f.ratio(),
        f.ratioMeaning()));
  }

  /** The medians over the runs of every figure, its limit and its ratio, and every run's figure. */
  void summary() {
    System.out.printf("%n== %s: median of %d run%s%n", title, count, count == 1 ? "" : "s");
    figures.forEach((name, runs) -> {
      Figure first = runs.get(0);
      System.out.println("  " + line(name, median(runs, Figure::value), first.unit(), first.limitName(),
          median(runs, Figure::limit), first.limitUnit(), median(runs, Figure::ratio), first.ratioMeaning()));
      System.out.println("      runs: " + runs.stream().map(f -> number(f.value())
          + (Double.isNaN(f.ratio()) ? "" : String.format(" (%.0f%%)", 100 * f.ratio())))
          .collect(Collectors.joining(", ")));
    });
  }

  private static String line(String name, double value, String unit, String limitName, double limit,
                             String limitUnit, double ratio, String ratioMeaning) {
    String figure = String.format("%-46s %10s %-12s", name, number(value), unit);
    if (limitName == null) return figure;
    return String.format("%s | ratio %5.1f%% (%s) | limit %s %s: %s", figure, 100 * ratio, ratioMeaning,
        number(limit), limitUnit, limitName);
  }

  static String number(double x) {
    if (Double.isNaN(x)) return "-";
    return Math.abs(x) >= 100 ? String.format("%,.0f", x) : String.format("%.2f", x);
  }

  static double median(List<Figure> runs, java.util.function.ToDoubleFunction<Figure> of) {
    return median(runs.stream().mapToDouble(of).toArray());
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** The q-quantile (0 < q ≤ 1) of {@code values}: the smallest value at least a fraction q of them are not above. */
  static double quantile(double[] values, double q) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[Math.max(0, (int) Math.ceil(q * v.length) - 1)];
  }
}
