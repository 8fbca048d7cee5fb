package io.ctrlplane.config;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What a process does. One jar, roles chosen by configuration; they can be combined. */
public enum Role {
  API,
  RUNNER,
  RELAY,
  WEBHOOKS,
  /** Runs app processes and the weighted router of this host (the process provider). */
  AGENT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses "api,runner" (commas and/or spaces); an unknown name is a {@link ConfigException}. */
  public static Set<Role> parseList(String list) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (String raw : list.split("[,\\s]+")) {
      if (raw.isBlank()) {
        continue;
      }
      roles.add(parse(raw.trim()));
    }
    if (roles.isEmpty()) {
      throw new ConfigException(
          "no role given: set CTRLPLANE_ROLES (or \"roles\") to some of " + names());
    }
    return roles;
  }

  private static Role parse(String name) {
    return Arrays.stream(values())
        .filter(r -> r.wire().equals(name.toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new ConfigException(
                    "unknown role '"
                        + name
                        + "': set CTRLPLANE_ROLES (or \"roles\") to some of "
                        + names()));
  }

  private static String names() {
    return Arrays.stream(values()).map(Role::wire).collect(Collectors.joining(", "));
  }
}
