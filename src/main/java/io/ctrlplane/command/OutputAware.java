package io.ctrlplane.command;

import java.io.PrintStream;

/** Commands whose regular output goes to a given stream. */
public interface OutputAware {
  void output(PrintStream out);
}
