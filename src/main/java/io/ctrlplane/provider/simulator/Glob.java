package io.ctrlplane.provider.simulator;

import java.util.regex.Pattern;

/**
 * Image globs of fault rules: {@code *} matches any run of characters (slashes and colons included,
 * so {@code *:bad*} matches {@code registry.example.com/acme/app:bad-1}), {@code ?} matches one;
 * the whole reference must match.
 */
final class Glob {
  private Glob() {}

  static Pattern compile(String glob) {
    StringBuilder regex = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : glob.toCharArray()) {
      if (c == '*' || c == '?') {
        if (literal.length() > 0) {
          regex.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        regex.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    if (literal.length() > 0) {
      regex.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }

  static boolean matches(String glob, String image) {
    return compile(glob).matcher(image).matches();
  }
}
