package io.ctrlplane.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Dev mode's own keys")
class DevSecretsTest {

  @Test
  @DisplayName("are made on first start, readable by their owner only, and reused afterwards")
  void createdOnceThenReused(@TempDir Path dir) throws Exception {
    DevSecrets secrets = new DevSecrets(dir.resolve("data"));
    DevSecrets.Value first = secrets.adminKey(() -> "cp_first");
    assertThat(first.created()).isTrue();
    assertThat(first.value()).isEqualTo("cp_first");
    assertThat(Files.readString(first.file()).strip()).isEqualTo("cp_first");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first.file())))
        .isEqualTo("rw-------");
    DevSecrets.Value again = new DevSecrets(dir.resolve("data")).adminKey(() -> "cp_second");
    assertThat(again.created()).isFalse();
    assertThat(again.value()).isEqualTo("cp_first");
    assertThat(secrets.encryptionKey(() -> "k").file().getFileName().toString())
        .isEqualTo("encryption-key");
  }
}
