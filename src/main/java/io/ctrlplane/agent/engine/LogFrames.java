package io.ctrlplane.agent.engine;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The engine's log stream of a container without a TTY is multiplexed: frames of an 8-byte header
 * (stream 1 stdout or 2 stderr, three zero bytes, a big-endian length) and the payload. A stream
 * that does not look framed is taken as plain text.
 */
final class LogFrames {
  private LogFrames() {}

  static String text(Buffer b) {
    StringBuilder out = new StringBuilder();
    int pos = 0;
    while (pos + 8 <= b.length()) {
      byte stream = b.getByte(pos);
      if (stream < 0 || stream > 2 || b.getByte(pos + 1) != 0 || b.getByte(pos + 2) != 0) {
        return b.toString(StandardCharsets.UTF_8);
      }
      int len = b.getInt(pos + 4);
      if (len < 0 || pos + 8 + len > b.length()) {
        return b.toString(StandardCharsets.UTF_8);
      }
      out.append(b.getString(pos + 8, pos + 8 + len, "UTF-8"));
      pos += 8 + len;
    }
    return pos == 0 && b.length() > 0 ? b.toString(StandardCharsets.UTF_8) : out.toString();
  }
}
