package io.ctrlplane.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ImageReferenceTest {

  private static final String SHA256 = "0123456789abcdef".repeat(4);
  private static final String SHA512 = "0123456789abcdef".repeat(8);

  // Expected parts of each valid reference; an empty cell means null.
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
            # reference                              | registry                 | repository    | tag        | digest
            nginx                                    |                          | nginx         |            |
            nginx:1.25                               |                          | nginx         | 1.25       |
            library/nginx:latest                     |                          | library/nginx | latest     |
            ghcr.io/acme/my-app:v1.2.3               | ghcr.io                  | acme/my-app   | v1.2.3     |
            localhost:5000/app                       | localhost:5000           | app           |            |
            localhost/app                            | localhost                | app           |            |
            registry.example.com:443/a/b/c:tag_1     | registry.example.com:443 | a/b/c         | tag_1      |
            a__b                                     |                          | a__b          |            |
            a---b                                    |                          | a---b         |            |
            a.b_c-d__e                               |                          | a.b_c-d__e    |            |
            0                                        |                          | 0             |            |
            my-registry-1.internal:65535/team/svc    | my-registry-1.internal:65535 | team/svc  |            |
            Registry.Example.COM/app                 | Registry.Example.COM     | app           |            |
            10.0.0.1:5000/app:_private               | 10.0.0.1:5000            | app           | _private   |
            app:UPPER.case-Tag_9                     |                          | app           | UPPER.case-Tag_9 |
            ghcr.io                                  |                          | ghcr.io       |            |
            localhost:5000                           |                          | localhost     | 5000       |
            acme/app:8080                            |                          | acme/app      | 8080       |
            """)
  void parsesValidReferences(
      String ref, String registry, String repository, String tag, String digest) {
    ImageReference parsed = ImageReference.parse(ref);

    assertThat(parsed).isEqualTo(new ImageReference(registry, repository, tag, digest));
    assertThat(parsed.toString()).isEqualTo(ref);
  }

  static Stream<Arguments> digestReferences() {
    return Stream.of(
        Arguments.of("app@sha256:" + SHA256, null, "app", null, "sha256:" + SHA256),
        Arguments.of(
            "ghcr.io/acme/app:1.0@sha256:" + SHA256,
            "ghcr.io",
            "acme/app",
            "1.0",
            "sha256:" + SHA256),
        Arguments.of(
            "localhost:5000/a/b@sha512:" + SHA512,
            "localhost:5000",
            "a/b",
            null,
            "sha512:" + SHA512));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("digestReferences")
  void parsesDigests(String ref, String registry, String repository, String tag, String digest) {
    ImageReference parsed = ImageReference.parse(ref);

    assertThat(parsed).isEqualTo(new ImageReference(registry, repository, tag, digest));
    assertThat(parsed.toString()).isEqualTo(ref);
  }

  @ParameterizedTest(name = "{0} -> {1}, {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
            nginx                             | nginx  | latest
            nginx:1.25                        | nginx  | 1.25
            ghcr.io/acme/myapp:1.2            | myapp  | 1.2
            registry.example.com:443/a/b/c:t  | c      | t
            localhost:5000/app                | app    | latest
            """)
  void derivesNameAndTag(String ref, String name, String tag) {
    ImageReference parsed = ImageReference.parse(ref);

    assertThat(parsed.repositoryName()).isEqualTo(name);
    assertThat(parsed.tagOrDefault()).isEqualTo(tag);
  }

  @Test
  void digestOnlyReferenceHasNoDefaultTag() {
    assertThat(ImageReference.parse("app@sha256:" + SHA256).tagOrDefault()).isNull();
    assertThat(ImageReference.parse("app:v2@sha256:" + SHA256).tagOrDefault()).isEqualTo("v2");
  }

  @Test
  void acceptsLongestValidNameAndTag() {
    String name = "a".repeat(ImageReference.MAX_NAME_LENGTH);
    String tag = "t".repeat(ImageReference.MAX_TAG_LENGTH);
    String registry = "r.io";
    String repo = "b".repeat(ImageReference.MAX_NAME_LENGTH - registry.length() - 1);

    assertThat(ImageReference.parse(name + ":" + tag).tag()).isEqualTo(tag);
    assertThat(ImageReference.parse(registry + "/" + repo).repository()).isEqualTo(repo);
  }

  // Each bad reference with a fragment the message must contain, so errors stay specific.
  static Stream<Arguments> invalidReferences() {
    return Stream.of(
        Arguments.of(null, "must not be empty"),
        Arguments.of("", "must not be empty"),
        Arguments.of(" ", "must not be empty"),
        Arguments.of("\t\n", "must not be empty"),
        Arguments.of("Nginx", "lowercase"),
        Arguments.of("acme/MyApp:1.0", "lowercase"),
        Arguments.of("nginx:", "tag after ':' must not be empty"),
        Arguments.of("nginx@", "digest after '@' must not be empty"),
        Arguments.of("nginx:1.0@", "digest after '@' must not be empty"),
        Arguments.of("nginx:-bad", "tag '-bad' is invalid"),
        Arguments.of("nginx:.bad", "tag '.bad' is invalid"),
        Arguments.of("nginx:a+b", "tag 'a+b' is invalid"),
        Arguments.of("nginx:" + "a".repeat(129), "tag must be at most 128 characters (got 129)"),
        Arguments.of("/nginx", "must not start with '/'"),
        Arguments.of("nginx/", "must not end with '/'"),
        Arguments.of("ghcr.io/", "must not end with '/'"),
        Arguments.of("a//b", "'//'"),
        Arguments.of("a..b", "path component 'a..b' is invalid"),
        Arguments.of("a___b", "path component 'a___b' is invalid"),
        Arguments.of("a._b", "path component 'a._b' is invalid"),
        Arguments.of("_a", "path component '_a' is invalid"),
        Arguments.of("a_", "path component 'a_' is invalid"),
        Arguments.of("-a", "path component '-a' is invalid"),
        Arguments.of("acme/.app", "path component '.app' is invalid"),
        Arguments.of("a".repeat(256), "at most 255 characters (got 256)"),
        Arguments.of("ghcr.io/" + "a".repeat(248), "at most 255 characters (got 256)"),
        Arguments.of("a".repeat(1000), "must be at most"),
        Arguments.of("nginx latest", "a space at position 5"),
        Arguments.of("nginx\t", "a tab"),
        Arguments.of("nginx\n", "a newline"),
        Arguments.of("ngi\u0000nx", "control characters"),
        Arguments.of("nginx\u007f", "control characters"),
        Arguments.of("ngin\u0445", "only ASCII characters (found U+0445 at position 4)"),
        Arguments.of("nginx:caf\u00e9", "only ASCII"),
        Arguments.of("nginx\u00a0", "only ASCII"),
        Arguments.of(
            "nginx@sha256:abc", "sha256 digest must be exactly 64 lowercase hex characters"),
        Arguments.of("nginx@sha256:" + SHA256.toUpperCase(), "lowercase hex"),
        Arguments.of("nginx@sha256:" + SHA256 + "0", "exactly 64"),
        Arguments.of("nginx@sha256:" + SHA256.substring(1) + "g", "lowercase hex"),
        Arguments.of(
            "nginx@md5:d41d8cd98f00b204e9800998ecf8427e", "algorithm 'md5' is not supported"),
        Arguments.of("nginx@" + SHA256, "must look like sha256:"),
        Arguments.of("nginx@sha512:" + SHA256, "exactly 128"),
        Arguments.of("a@b@c", "at most one '@'"),
        Arguments.of("a:b:c", "unexpected ':'"),
        Arguments.of(":tag", "repository name must not be empty"),
        Arguments.of("@sha256:" + SHA256, "repository name must not be empty"),
        Arguments.of("localhost:/app", "registry port '' must be a number"),
        Arguments.of("localhost:0/app", "registry port '0'"),
        Arguments.of("localhost:65536/app", "registry port '65536'"),
        Arguments.of("host:12ab/app", "registry port '12ab'"),
        Arguments.of("-bad.io/app", "registry host '-bad.io' is invalid"),
        Arguments.of("bad-.io/app", "registry host 'bad-.io' is invalid"),
        Arguments.of("bad..io/app", "registry host 'bad..io' is invalid"),
        Arguments.of("ex_ample.com/app", "registry host 'ex_ample.com' is invalid"),
        Arguments.of("[::1]:5000/app", "IPv6"),
        Arguments.of("ghcr.io/Acme/app", "lowercase"));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("invalidReferences")
  void rejectsInvalidReferences(String ref, String expectedMessage) {
    assertThatThrownBy(() -> ImageReference.parse(ref))
        .isInstanceOf(ValidationException.class)
        .asInstanceOf(type(ValidationException.class))
        .satisfies(
            e -> {
              assertThat(e.errors()).hasSize(1);
              assertThat(e.errors().get(0).field()).isEqualTo("image");
              assertThat(e.errors().get(0).message()).contains(expectedMessage);
            });
  }

  @Test
  void constructorHoldsHandBuiltReferencesToTheSameGrammar() {
    // "acme" would be read back as a path component, so it cannot be a registry.
    assertThatThrownBy(() -> new ImageReference("acme", "app", null, null))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("registry 'acme' must contain '.'");
    assertThatThrownBy(() -> new ImageReference(null, null, null, null))
        .hasMessageContaining("repository name must not be empty");
    assertThatThrownBy(() -> new ImageReference(null, "app", "", null))
        .hasMessageContaining("tag '' is invalid");
    assertThatThrownBy(() -> new ImageReference(null, "Bad", null, null))
        .hasMessageContaining("lowercase");
  }

  @Test
  void errorMessagesDoNotEchoHugeInput() {
    String hugeTag = "-" + "x".repeat(127);
    assertThatThrownBy(() -> ImageReference.parse("app:" + hugeTag))
        .hasMessageContaining("...")
        .hasMessageNotContaining(hugeTag);
  }
}
