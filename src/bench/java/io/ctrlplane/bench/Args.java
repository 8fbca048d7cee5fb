package io.ctrlplane.bench;

import java.util.HashMap;
import java.util.Map;

/** {@code --key value} / {@code --key=value} arguments of a bench subcommand. */
final class Args {
  private final Map<String, String> values = new HashMap<>();

  Args(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + a);
      }
      int eq = a.indexOf('=');
      if (eq > 0) {
        values.put(a.substring(2, eq), a.substring(eq + 1));
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        values.put(a.substring(2), args[++i]);
      } else {
        values.put(a.substring(2), "true");
      }
    }
  }

  String str(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing --" + key);
    }
    return v;
  }

  String str(String key, String def) {
    return values.getOrDefault(key, def);
  }

  int integer(String key, int def) {
    return values.containsKey(key) ? Integer.parseInt(values.get(key)) : def;
  }

  double dbl(String key, double def) {
    return values.containsKey(key) ? Double.parseDouble(values.get(key)) : def;
  }

  boolean flag(String key) {
    return Boolean.parseBoolean(values.getOrDefault(key, "false"));
  }
}
