package io.ctrlplane.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvVarsTest {

  private static List<FieldError> errorsFor(String field, Map<String, ?> env) {
    ValidationException e =
        catchThrowableOfType(ValidationException.class, () -> EnvVars.validate(field, env));
    assertThat(e).as("expected a ValidationException").isNotNull();
    return e.errors();
  }

  @Test
  void nullAndEmptyMapsAreValid() {
    assertThatCode(() -> EnvVars.validate("env", null)).doesNotThrowAnyException();
    assertThatCode(() -> EnvVars.validate("env", Map.of())).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"A", "_", "a", "PATH", "_PRIVATE", "my_var_2", "X1", "lower_case"})
  void acceptsPortableNames(String name) {
    assertThatCode(() -> EnvVars.validate("env", Map.of(name, "v"))).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"BAD-NAME", "1ABC", "A B", "A.B", "A=B", "É", "A\u0000", "$HOME", " A"})
  void rejectsNonPortableNames(String name) {
    assertThat(errorsFor("env", Map.of(name, "v")))
        .containsExactly(
            new FieldError(
                "env." + name,
                "name must start with a letter or '_' and contain only letters, digits and '_'"));
  }

  @Test
  void rejectsEmptyAndNullNames() {
    assertThat(errorsFor("env", Map.of("", "v")))
        .containsExactly(new FieldError("env.", "name must not be empty"));

    Map<String, Object> nullKey = new HashMap<>();
    nullKey.put(null, "v");
    assertThat(errorsFor("env", nullKey))
        .containsExactly(new FieldError("env", "variable names must not be null"));
  }

  @Test
  void limitsNameLength() {
    String longest = "N".repeat(EnvVars.MAX_NAME_LENGTH);
    String tooLong = longest + "N";

    assertThatCode(() -> EnvVars.validate("env", Map.of(longest, "v"))).doesNotThrowAnyException();
    assertThat(errorsFor("env", Map.of(tooLong, "v")))
        .containsExactly(
            new FieldError("env." + tooLong, "name must be at most 256 characters (got 257)"));
  }

  static Stream<Arguments> nonStringValues() {
    return Stream.of(
        Arguments.of(null, "value must be a string, not null"),
        Arguments.of(42, "value must be a string, not a number"),
        Arguments.of(1.5, "value must be a string, not a number"),
        Arguments.of(true, "value must be a string, not a boolean"),
        Arguments.of(Map.of("k", "v"), "value must be a string, not an object"),
        Arguments.of(List.of("a"), "value must be a string, not an array"),
        Arguments.of(new int[] {1}, "value must be a string, not an array"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("nonStringValues")
  void rejectsNonStringValues(Object value, String message) {
    Map<String, Object> env = new HashMap<>();
    env.put("FOO", value);

    assertThat(errorsFor("env", env)).containsExactly(new FieldError("env.FOO", message));
  }

  // Limits are in UTF-8 bytes: 'é' is 2 bytes, '€' is 3, an emoji (a surrogate pair) is 4.
  static Stream<Arguments> valueSizes() {
    return Stream.of(
        Arguments.of("", true),
        Arguments.of("a".repeat(32768), true),
        Arguments.of("a".repeat(32769), false),
        Arguments.of("é".repeat(16384), true),
        Arguments.of("é".repeat(16384) + "a", false),
        Arguments.of("€".repeat(10922) + "ab", true),
        Arguments.of("€".repeat(10923), false),
        Arguments.of("\uD83D\uDE80".repeat(8192), true),
        Arguments.of("\uD83D\uDE80".repeat(8192) + "a", false));
  }

  @ParameterizedTest(name = "[{index}] valid={1}")
  @MethodSource("valueSizes")
  void limitsValueSizeInUtf8Bytes(String value, boolean valid) {
    if (valid) {
      assertThatCode(() -> EnvVars.validate("env", Map.of("V", value))).doesNotThrowAnyException();
    } else {
      assertThat(errorsFor("env", Map.of("V", value)))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).isEqualTo("env.V");
                assertThat(e.message())
                    .startsWith("value must be at most 32768 bytes in UTF-8 (got ");
              });
    }
  }

  @Test
  void rejectsNulInValues() {
    assertThat(errorsFor("env", Map.of("V", "a\u0000b")))
        .containsExactly(new FieldError("env.V", "value must not contain NUL (U+0000) characters"));
  }

  @Test
  void limitsEntryCount() {
    assertThatCode(() -> EnvVars.validate("env", entries(256))).doesNotThrowAnyException();
    assertThat(errorsFor("env", entries(257)))
        .containsExactly(new FieldError("env", "must have at most 256 entries (got 257)"));
  }

  @Test
  void collectsEveryProblemUnderTheGivenPrefix() {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("OK", "fine");
    env.put("BAD-NAME", "v");
    env.put("PORT", 8080);
    env.put("9LIVES", null);
    env.put("BIG", "x".repeat(40_000));

    assertThat(errorsFor("secret_env", env))
        .containsExactly(
            new FieldError(
                "secret_env.BAD-NAME",
                "name must start with a letter or '_' and contain only letters, digits and '_'"),
            new FieldError("secret_env.PORT", "value must be a string, not a number"),
            new FieldError(
                "secret_env.9LIVES",
                "name must start with a letter or '_' and contain only letters, digits and '_'"),
            new FieldError("secret_env.9LIVES", "value must be a string, not null"),
            new FieldError(
                "secret_env.BIG", "value must be at most 32768 bytes in UTF-8 (got 40000)"));
  }

  @Test
  void capsTheNumberOfReportedProblems() {
    Map<String, Object> env = new LinkedHashMap<>();
    for (int i = 0; i < 300; i++) {
      env.put("BAD-" + i, i);
    }

    List<FieldError> errors = errorsFor("env", env);

    // 1 count error + 300 entries x 2 problems = 601; the first 100 are listed, then a summary.
    assertThat(errors).hasSize(EnvVars.MAX_REPORTED_ERRORS + 1);
    assertThat(errors.get(0))
        .isEqualTo(new FieldError("env", "must have at most 256 entries (got 300)"));
    assertThat(errors.get(errors.size() - 1))
        .isEqualTo(new FieldError("env", "501 more problems not listed"));
  }

  @Test
  void exceptionMessageJoinsAllErrors() {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("A-B", "v");
    env.put("N", 1);

    ValidationException e =
        catchThrowableOfType(ValidationException.class, () -> EnvVars.validate("env", env));

    assertThat(e.getMessage())
        .isEqualTo(
            "env.A-B: name must start with a letter or '_' and contain only letters, digits and '_'; "
                + "env.N: value must be a string, not a number");
  }

  private static Map<String, String> entries(int n) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < n; i++) {
      env.put("VAR_" + i, "v");
    }
    return env;
  }
}
