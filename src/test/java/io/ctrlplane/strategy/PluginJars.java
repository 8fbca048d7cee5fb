package io.ctrlplane.strategy;

import com.example.allatonce.AllAtOnceStrategy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Builds the jar a third party would ship: the classes of {@code com.example.allatonce} and one
 * {@code META-INF/services} file from a test resource directory. The services files live under
 * their own directories (not the test classpath root), so only the JVMs and class loaders a test
 * gives the jar see the plugin: every other test keeps the four built-ins alone.
 */
public final class PluginJars {
  static final String SERVICES = "META-INF/services/" + Strategy.class.getName();

  private PluginJars() {}

  /** The all-at-once plugin. */
  public static Path allAtOnce() {
    return build("strategy-plugin", "all-at-once.jar");
  }

  /** A plugin whose strategy is named rolling. */
  static Path duplicate() {
    return build("strategy-plugin-duplicate", "another-rolling.jar");
  }

  private static Path build(String resourceDir, String jarName) {
    try {
      Path classes =
          Path.of(
              AllAtOnceStrategy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path jar = Files.createDirectories(Path.of("target", "strategy-plugins")).resolve(jarName);
      Path pluginPackage = classes.resolve("com/example/allatonce");
      try (OutputStream file = Files.newOutputStream(jar);
          JarOutputStream out = new JarOutputStream(file);
          Stream<Path> classFiles = Files.list(pluginPackage)) {
        add(out, classes.resolve(resourceDir).resolve(SERVICES), SERVICES);
        for (Path c : classFiles.sorted().toList()) {
          add(out, c, "com/example/allatonce/" + c.getFileName());
        }
      }
      return jar;
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException("could not build " + jarName + ": " + e, e);
    }
  }

  private static void add(JarOutputStream out, Path source, String name) throws IOException {
    out.putNextEntry(new JarEntry(name));
    out.write(Files.readAllBytes(source));
    out.closeEntry();
  }
}
