package io.ctrlplane.command;

import java.io.PrintStream;
import java.util.Map;

/** Commands that read the environment and report on a given stream. */
public interface EnvAware {
  void init(Map<String, String> env, PrintStream err);
}
