package io.ctrlplane.provider;

/**
 * How one run of a release phase ended: its exit code (0 is success) and its output (stdout and
 * stderr interleaved, possibly cut to its last part).
 */
public record PhaseResult(int exitCode, String output) {
  /** At most this many characters of output are kept (the last ones). */
  public static final int MAX_OUTPUT = 64 * 1024;

  /** The exit code of a run stopped at its timeout (as timeout(1) reports it). */
  public static final int TIMED_OUT = 124;

  public PhaseResult {
    output = output == null ? "" : tail(output, MAX_OUTPUT);
  }

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** The last {@code max} characters of {@code s}. */
  public static String tail(String s, int max) {
    return s.length() <= max ? s : s.substring(s.length() - max);
  }

  /** The last {@code n} non-blank lines of the output, for an error message. */
  public String lastLines(int n) {
    java.util.List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }
}
