package io.ctrlplane.dev;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;

/**
 * Dev mode's own secrets, kept in the data directory so a restart reuses them: the admin API key
 * (when CTRLPLANE_BOOTSTRAP_API_KEY is unset) and the encryption key of secret_env (when
 * CTRLPLANE_ENCRYPTION_KEY is unset). Files are created readable by their owner only.
 */
final class DevSecrets {
  static final String ADMIN_KEY_FILE = "admin-api-key";
  static final String ENCRYPTION_KEY_FILE = "encryption-key";

  /** A value and whether it was made just now. */
  record Value(String value, Path file, boolean created) {}

  private final Path dir;

  DevSecrets(Path dir) {
    this.dir = dir;
  }

  Value adminKey(Supplier<String> generate) throws IOException {
    return readOrCreate(dir.resolve(ADMIN_KEY_FILE), generate);
  }

  Value encryptionKey(Supplier<String> generate) throws IOException {
    return readOrCreate(dir.resolve(ENCRYPTION_KEY_FILE), generate);
  }

  private static Value readOrCreate(Path file, Supplier<String> generate) throws IOException {
    if (Files.exists(file)) {
      return new Value(Files.readString(file, StandardCharsets.UTF_8).strip(), file, false);
    }
    Files.createDirectories(file.getParent());
    String value = generate.get();
    try {
      createPrivate(file);
    } catch (FileAlreadyExistsException e) {
      return readOrCreate(file, generate); // another dev process won the race: use its value
    }
    Files.writeString(file, value + "\n", StandardCharsets.UTF_8);
    return new Value(value, file, true);
  }

  private static void createPrivate(Path file) throws IOException {
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system (Windows): the user profile's ACLs apply
    }
  }
}
