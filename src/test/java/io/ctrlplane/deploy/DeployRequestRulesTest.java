package io.ctrlplane.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class DeployRequestRulesTest {

  // Boundaries in UTF-8 bytes: 4096 is the last valid size whatever the characters.
  static Stream<Arguments> notes() {
    return Stream.of(
        Arguments.of(null, true),
        Arguments.of("", true),
        Arguments.of("rolled forward after hotfix", true),
        Arguments.of("n".repeat(4096), true),
        Arguments.of("n".repeat(4097), false),
        Arguments.of("ü".repeat(2048), true),
        Arguments.of("ü".repeat(2048) + "!", false),
        Arguments.of("\uD83D\uDE80".repeat(1024), true),
        Arguments.of("\uD83D\uDE80".repeat(1024) + "!", false));
  }

  @ParameterizedTest(name = "[{index}] valid={1}")
  @MethodSource("notes")
  void limitsNotesToFourKibibytes(String notes, boolean valid) {
    if (valid) {
      assertThatCode(() -> DeployRequestRules.validateNotes(notes)).doesNotThrowAnyException();
    } else {
      ValidationException e =
          catchThrowableOfType(
              ValidationException.class, () -> DeployRequestRules.validateNotes(notes));
      assertThat(e.errors())
          .singleElement()
          .satisfies(
              err -> {
                assertThat(err.field()).isEqualTo("notes");
                assertThat(err.message()).startsWith("must be at most 4096 bytes in UTF-8 (got ");
              });
    }
  }

  @Test
  void rejectsNulInNotes() {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class, () -> DeployRequestRules.validateNotes("a\u0000b"));

    assertThat(e.errors())
        .containsExactly(new FieldError("notes", "must not contain NUL (U+0000) characters"));
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {
        "abcdef0",
        "ABCDEF0",
        "deadBEEF",
        "0123456789abcdef0123456789abcdef01234567",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      })
  void acceptsAbsentOrHexCommitSha(String sha) {
    assertThatCode(() -> DeployRequestRules.validateCommitSha(sha)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "abcdef",
        "abcdefg",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
        " abcdef0",
        "abcdef0 ",
        "abcdef0\n",
        "0x1234567",
        "abc-def0",
        "１２３４５６７"
      })
  void rejectsMalformedCommitSha(String sha) {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class, () -> DeployRequestRules.validateCommitSha(sha));

    assertThat(e.errors())
        .singleElement()
        .satisfies(
            err -> {
              assertThat(err.field()).isEqualTo("commit_sha");
              assertThat(err.message()).startsWith("must be 7 to 64 hexadecimal characters");
            });
  }

  @Test
  void doesNotEchoHugeCommitSha() {
    String huge = "z".repeat(10_000);
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class, () -> DeployRequestRules.validateCommitSha(huge));

    assertThat(e.getMessage())
        .isEqualTo("commit_sha: must be 7 to 64 hexadecimal characters (got 10000 characters)");
  }
}
