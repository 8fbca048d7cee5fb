package io.ctrlplane.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A replica's stdout and stderr in a file that never grows past its cap: when {@code output.log}
 * reaches half the cap it becomes {@code output.log.1} (replacing the previous one), so the two
 * together hold the most recent output and at most {@code maxBytes}. A replica process writes it
 * itself ({@link #rotateIfFull} bounds it), or a pump thread copies a stream into it; read by
 * {@link #tail} from any thread.
 */
public final class BoundedLog {
  private final Path file;
  private final Path previous;
  private final long half;

  public BoundedLog(Path dir, long maxBytes) {
    this.file = dir.resolve("output.log");
    this.previous = dir.resolve("output.log.1");
    this.half = Math.max(1024, maxBytes / 2);
  }

  /**
   * Copies {@code in} to the log until it ends (the process exited); blocking, for a dedicated
   * thread.
   */
  public void pump(InputStream in) throws IOException {
    byte[] buf = new byte[8192];
    OutputStream out = open();
    long size = Files.size(file);
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        if (size + n > half) {
          out.close();
          Files.move(file, previous, StandardCopyOption.REPLACE_EXISTING);
          out = open();
          size = 0;
        }
        out.write(buf, 0, n);
        out.flush();
        size += n;
      }
    } finally {
      out.close();
    }
  }

  Path file() {
    return file;
  }

  /**
   * For a process that writes the file itself (opened for append): once it passed half the cap, its
   * content moves to {@code output.log.1} and the file is emptied in place, so the process keeps
   * appending to it. Output written between the copy and the truncation is lost; checked every
   * second, the pair holds the cap plus at most a second's output.
   */
  public synchronized void rotateIfFull() throws IOException {
    if (!Files.exists(file) || Files.size(file) <= half) {
      return;
    }
    Files.copy(file, previous, StandardCopyOption.REPLACE_EXISTING);
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(0);
    }
  }

  /** A line from the agent itself (spawn errors, signals), so the log tells the whole story. */
  public synchronized void note(String line) {
    try {
      Files.writeString(
          file,
          "[ctrlplane-agent] " + line + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      // the note is a courtesy; the agent's own log has the same line
    }
  }

  /** The last {@code lines} lines (blocking file reads). */
  public List<String> tail(int lines) throws IOException {
    Deque<String> last = new ArrayDeque<>();
    for (Path p : List.of(previous, file)) {
      if (Files.exists(p)) {
        for (String line : readTail(p, lines)) {
          last.addLast(line);
          if (last.size() > lines) {
            last.removeFirst();
          }
        }
      }
    }
    return new ArrayList<>(last);
  }

  private OutputStream open() throws IOException {
    Files.createDirectories(file.getParent());
    return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** At most the last {@code half} bytes of a file, as lines: bounded work whatever the file. */
  private List<String> readTail(Path p, int lines) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "r")) {
      long len = raf.length();
      long from = Math.max(0, len - half);
      byte[] bytes = new byte[(int) (len - from)];
      raf.seek(from);
      raf.readFully(bytes);
      List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      return all.subList(Math.max(0, all.size() - lines), all.size());
    }
  }
}
