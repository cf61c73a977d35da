package zkchain.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format, version 0.0.4, as Prometheus itself
 * reads it: every line a HELP, a TYPE, a comment or a sample; names and label names of the allowed
 * characters; label values with only the allowed escapes; a family's HELP and TYPE at most once and
 * before its samples; a family's samples together; no series twice; a histogram's buckets
 * cumulative, ending at le="+Inf" equal to its _count, beside a _sum. Anything else throws
 * {@link IllegalArgumentException} naming the line. (The Java client 1.x ships writers only.)
 */
public final class PrometheusText {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  public record Sample(String name, Map<String, String> labels, double value) {
    public String label(String name) {
      return labels.get(name);
    }
  }

  public record Family(String name, String type, String help, List<Sample> samples) {}

  private final Map<String, Family> families;

  private PrometheusText(Map<String, Family> families) {
    this.families = families;
  }

  public Map<String, Family> families() {
    return Collections.unmodifiableMap(families);
  }

  /** Every sample name exposed (a histogram's _bucket, _sum and _count included). */
  public Set<String> sampleNames() {
    Set<String> names = new HashSet<>();
    families.values().forEach(f -> f.samples().forEach(s -> names.add(s.name())));
    return names;
  }

  public List<Sample> samples(String name) {
    List<Sample> out = new ArrayList<>();
    families.values().forEach(f -> f.samples().stream().filter(s -> s.name().equals(name)).forEach(out::add));
    return out;
  }

  /**
   * The one sample of {@code name} with exactly these labels (name, value, name, value, ...); as in
   * Prometheus, a label with an empty value is no label.
   */
  public double value(String name, String... labels) {
    Map<String, String> want = new TreeMap<>();
    for (int i = 0; i < labels.length; i += 2) want.put(labels[i], labels[i + 1]);
    want.values().removeIf(String::isEmpty);
    return samples(name).stream().filter(s -> {
      Map<String, String> have = new TreeMap<>(s.labels());
      have.values().removeIf(String::isEmpty);
      return have.equals(want);
    }).findFirst()
        .orElseThrow(() -> new AssertionError("no sample " + name + want + " in the exposition"))
        .value();
  }

  public static PrometheusText parse(String text) {
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, String> helps = new LinkedHashMap<>();
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    Set<String> closed = new HashSet<>();
    Set<String> series = new HashSet<>();
    String current = null;
    String[] lines = text.split("\n", -1);
    if (!text.isEmpty() && !text.endsWith("\n")) throw error(lines.length, "the exposition does not end with a newline");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int n = i + 1;
      if (line.isEmpty()) continue;
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
          String name = parts[2];
          if (!METRIC_NAME.matcher(name).matches()) throw error(n, "bad metric name '" + name + "'");
          if (samples.containsKey(name) || closed.contains(name)) {
            throw error(n, parts[1] + " of " + name + " after its samples");
          }
          if (parts[1].equals("HELP")) {
            if (helps.put(name, unescapeHelp(parts.length > 3 ? parts[3] : "", n)) != null) {
              throw error(n, "second HELP for " + name);
            }
          } else {
            String type = parts.length > 3 ? parts[3] : "";
            if (!TYPES.contains(type)) throw error(n, "unknown type '" + type + "' for " + name);
            if (types.put(name, type) != null) throw error(n, "second TYPE for " + name);
          }
        }
        continue; // any other comment
      }
      Sample sample = sample(line, n);
      String family = familyOf(sample.name(), types);
      if (!family.equals(current)) {
        if (current != null) closed.add(current);
        if (closed.contains(family)) throw error(n, "samples of " + family + " are not together");
        current = family;
      }
      String key = sample.name() + new TreeMap<>(sample.labels());
      if (!series.add(key)) throw error(n, "series " + key + " twice");
      checkName(sample, family, types.getOrDefault(family, "untyped"), n);
      samples.computeIfAbsent(family, f -> new ArrayList<>()).add(sample);
    }
    Map<String, Family> families = new LinkedHashMap<>();
    Set<String> names = new HashSet<>(types.keySet());
    names.addAll(samples.keySet());
    for (String name : names) {
      String type = types.getOrDefault(name, "untyped");
      List<Sample> list = samples.getOrDefault(name, List.of());
      if (type.equals("histogram")) checkHistogram(name, list);
      families.put(name, new Family(name, type, helps.get(name), List.copyOf(list)));
    }
    return new PrometheusText(families);
  }

  /** The family a sample belongs to: a histogram's or summary's suffixed samples belong to its TYPE'd name. */
  private static String familyOf(String sampleName, Map<String, String> types) {
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (sampleName.endsWith(suffix)) {
        String base = sampleName.substring(0, sampleName.length() - suffix.length());
        String type = types.get(base);
        if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) return base;
      }
    }
    return sampleName;
  }

  private static void checkName(Sample s, String family, String type, int n) {
    boolean suffixed = !s.name().equals(family);
    switch (type) {
      case "histogram" -> {
        if (!suffixed) throw error(n, "histogram " + family + " sample without _bucket, _sum or _count");
        if (s.name().endsWith("_bucket") && s.label("le") == null) throw error(n, "bucket without le");
      }
      case "summary" -> {
        if (!suffixed && s.label("quantile") == null) throw error(n, "summary quantile without the quantile label");
      }
      default -> {
        if (suffixed) throw error(n, "sample " + s.name() + " in family " + family);
      }
    }
  }

  private static void checkHistogram(String name, List<Sample> samples) {
    Map<Map<String, String>, List<Sample>> bySeries = new LinkedHashMap<>();
    for (Sample s : samples) {
      Map<String, String> labels = new TreeMap<>(s.labels());
      labels.remove("le");
      bySeries.computeIfAbsent(labels, l -> new ArrayList<>()).add(s);
    }
    bySeries.forEach((labels, list) -> {
      double previousLe = Double.NEGATIVE_INFINITY;
      double previousCount = 0;
      Double inf = null;
      Double count = null;
      boolean sum = false;
      for (Sample s : list) {
        if (s.name().endsWith("_bucket")) {
          double le = number(s.label("le"), -1);
          if (le <= previousLe) throw new IllegalArgumentException(name + labels + ": buckets not in increasing le");
          if (s.value() < previousCount) throw new IllegalArgumentException(name + labels + ": buckets not cumulative");
          previousLe = le;
          previousCount = s.value();
          if (Double.isInfinite(le)) inf = s.value();
        } else if (s.name().endsWith("_count")) {
          count = s.value();
        } else {
          sum = true;
        }
      }
      if (inf == null) throw new IllegalArgumentException(name + labels + ": no le=\"+Inf\" bucket");
      if (count == null || !sum) throw new IllegalArgumentException(name + labels + ": no _count or no _sum");
      if (!inf.equals(count)) throw new IllegalArgumentException(name + labels + ": +Inf bucket " + inf + " != _count " + count);
    });
  }

  private static Sample sample(String line, int n) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') i++;
    String name = line.substring(0, i);
    if (!METRIC_NAME.matcher(name).matches()) throw error(n, "bad metric name '" + name + "'");
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (i >= line.length()) throw error(n, "unterminated labels");
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int eq = line.indexOf('=', i);
        if (eq < 0) throw error(n, "label without '='");
        String label = line.substring(i, eq);
        if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) throw error(n, "bad label name '" + label + "'");
        if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') throw error(n, "label value not quoted");
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        while (true) {
          if (j >= line.length()) throw error(n, "unterminated label value");
          char c = line.charAt(j);
          if (c == '"') break;
          if (c == '\\') {
            if (j + 1 >= line.length()) throw error(n, "dangling escape");
            char e = line.charAt(j + 1);
            switch (e) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw error(n, "bad escape \\" + e + " in a label value");
            }
            j += 2;
          } else {
            value.append(c);
            j++;
          }
        }
        if (labels.put(label, value.toString()) != null) throw error(n, "label " + label + " twice");
        i = j + 1;
        if (i < line.length() && line.charAt(i) == ',') i++;
        else if (i >= line.length() || line.charAt(i) != '}') throw error(n, "expected ',' or '}' after a label");
      }
    }
    if (i >= line.length() || line.charAt(i) != ' ') throw error(n, "no value");
    String[] rest = line.substring(i + 1).split(" ", -1);
    if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) throw error(n, "expected a value and at most a timestamp");
    double value = number(rest[0], n);
    if (rest.length == 2) {
      try {
        Long.parseLong(rest[1]);
      } catch (NumberFormatException e) {
        throw error(n, "bad timestamp '" + rest[1] + "'");
      }
    }
    return new Sample(name, Collections.unmodifiableMap(labels), value);
  }

  private static double number(String s, int n) {
    switch (s) {
      case "+Inf", "Inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-Inf" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case "NaN" -> {
        return Double.NaN;
      }
      default -> {
        if (!s.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
          throw n < 0 ? new IllegalArgumentException("bad number '" + s + "'") : error(n, "bad value '" + s + "'");
        }
        return Double.parseDouble(s);
      }
    }
  }

  private static String unescapeHelp(String help, int n) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < help.length(); i++) {
      char c = help.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (i + 1 >= help.length()) throw error(n, "dangling escape in HELP");
      char e = help.charAt(++i);
      if (e == '\\') out.append('\\');
      else if (e == 'n') out.append('\n');
      else throw error(n, "bad escape \\" + e + " in HELP");
    }
    return out.toString();
  }

  private static IllegalArgumentException error(int line, String why) {
    return new IllegalArgumentException("Prometheus text format, line " + line + ": " + why);
  }
}
