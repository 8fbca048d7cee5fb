package io.ctrlplane.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The house's shape, checked on the compiled main code: layers point down (no cycle among the
 * top-level packages, foundations import no feature) and each table with a lifecycle has one
 * writer.
 */
@DisplayName("Architecture")
class ArchitectureTest {
  /** Foundations: everything may use them, they use nothing above them. */
  static final String[] FOUNDATIONS = {
    "io.ctrlplane.config..",
    "io.ctrlplane.problem..",
    "io.ctrlplane.db..",
    "io.ctrlplane.bus..",
    "io.ctrlplane.command..",
    "io.ctrlplane.deploy..",
    "io.ctrlplane.ops.."
  };

  /** Features and edges: what a foundation must never import. */
  static final String[] FEATURES = {
    "io.ctrlplane.api..",
    "io.ctrlplane.app..",
    "io.ctrlplane.agent..",
    "io.ctrlplane.analysis..",
    "io.ctrlplane.cli..",
    "io.ctrlplane.dashboard..",
    "io.ctrlplane.events..",
    "io.ctrlplane.lifecycle..",
    "io.ctrlplane.provider..",
    "io.ctrlplane.runner..",
    "io.ctrlplane.security..",
    "io.ctrlplane.store..",
    "io.ctrlplane.strategy..",
    "io.ctrlplane.watch..",
    "io.ctrlplane.webhooks.."
  };

  /**
   * SQL that changes the deployments table (constant strings survive in the class file). No leading
   * word boundary: in the constant pool a string follows its length bytes, which may be a letter.
   */
  static final Pattern DEPLOYMENTS_WRITE =
      Pattern.compile(
          "(?i)(update\\s+deployments|insert\\s+into\\s+deployments|delete\\s+from\\s+deployments)\\b");

  static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.ctrlplane");
  }

  @Test
  @DisplayName("no import cycle among the top-level packages")
  void topLevelPackagesAreFreeOfCycles() {
    slices()
        .matching("io.ctrlplane.(*)..")
        .should()
        .beFreeOfCycles()
        .because("layers point down only (docs/architecture.md)")
        .check(main);
  }

  @Test
  @DisplayName("foundations import no feature package")
  void foundationsImportNoFeature() {
    noClasses()
        .that()
        .resideInAnyPackage(FOUNDATIONS)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(FEATURES)
        .because(
            "problem, db, bus, command, config and the deploy domain stand below every feature")
        .check(main);
  }

  @Test
  @DisplayName("only the lifecycle package writes the deployments table")
  void onlyTheLifecycleWritesDeployments() {
    classes()
        .that()
        .resideOutsideOfPackage("io.ctrlplane.lifecycle..")
        .should(notWriteTheDeploymentsTable())
        .because("one owner for every deployment state change and its outbox event")
        .check(main);
  }

  @Test
  @DisplayName("the deployments-write rule sees SQL in a class file (it can fail)")
  void theWriteRuleSeesSql() {
    JavaClasses planted = new ClassFileImporter().importClasses(PlantedWriter.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                classes()
                    .that()
                    .resideOutsideOfPackage("io.ctrlplane.lifecycle..")
                    .should(notWriteTheDeploymentsTable())
                    .check(planted))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("PlantedWriter");
  }

  /** A class that writes the table outside the lifecycle: the rule must catch it. */
  static final class PlantedWriter {
    static final String SQL = "UPDATE deployments SET state = 'failed' WHERE id = $1";
  }

  static ArchCondition<JavaClass> notWriteTheDeploymentsTable() {
    return new ArchCondition<>("not write the deployments table") {
      @Override
      public void check(JavaClass cls, ConditionEvents events) {
        if (DEPLOYMENTS_WRITE.matcher(classFileText(cls)).find()) {
          events.add(
              SimpleConditionEvent.violated(
                  cls, cls.getName() + " holds SQL that writes the deployments table"));
        }
      }
    };
  }

  /** The class file as text: its constant pool holds every SQL string literal it uses. */
  static String classFileText(JavaClass cls) {
    String resource = "/" + cls.getName().replace('.', '/') + ".class";
    try (InputStream in = ArchitectureTest.class.getResourceAsStream(resource)) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }
}
