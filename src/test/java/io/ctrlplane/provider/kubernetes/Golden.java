package io.ctrlplane.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Golden files of the objects in the cluster at one step of a rollout, as {@code kubectl get -o
 * yaml} would show them, minus what the API server makes up (uid, resourceVersion, timestamps,
 * generation), the controller's status, and ids that differ from run to run (replaced by names such
 * as {@code <instance>} and {@code <release v2>}). Files live in {@code
 * src/test/resources/kubernetes/golden}; a missing one is written from the run (review it, then
 * commit it), and {@code -Dgolden.update=true} rewrites them all.
 */
final class Golden {
  private static final Path DIR = Path.of("src", "test", "resources", "kubernetes", "golden");

  private Golden() {}

  static void check(String name, List<? extends HasMetadata> objects, Map<String, String> ids)
      throws IOException {
    StringBuilder text = new StringBuilder();
    List<HasMetadata> sorted = new ArrayList<>(objects);
    sorted.sort(
        (x, y) ->
            (x.getKind() + "/" + x.getMetadata().getName())
                .compareTo(y.getKind() + "/" + y.getMetadata().getName()));
    for (HasMetadata o : sorted) {
      JsonObject json = new JsonObject(Serialization.asJson(o));
      json.remove("status");
      JsonObject meta = json.getJsonObject("metadata");
      for (String made :
          List.of("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")) {
        meta.remove(made);
      }
      JsonObject annotations = meta.getJsonObject("annotations");
      if (annotations != null && annotations.containsKey(KubeObjects.SCALE_DOWN_AT)) {
        annotations.put(KubeObjects.SCALE_DOWN_AT, "<time>");
      }
      if (annotations != null && annotations.containsKey(KubeObjects.EPOCH)) {
        annotations.put(KubeObjects.EPOCH, "<epoch>");
      }
      Object clean = replace(json.getMap(), ids);
      text.append("---\n").append(Serialization.asYaml(clean).replaceFirst("^---\n", ""));
    }
    Path file = DIR.resolve(name + ".yaml");
    if (!Files.exists(file) || Boolean.getBoolean("golden.update")) {
      Files.createDirectories(DIR);
      Files.writeString(file, text.toString());
    }
    assertThat(text.toString()).as("golden %s", file).isEqualTo(Files.readString(file));
  }

  /** A deep copy with sorted keys and every id replaced by its name. */
  @SuppressWarnings("unchecked")
  private static Object replace(Object value, Map<String, String> ids) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      m.forEach((k, v) -> out.put(replaceText((String) k, ids), replace(v, ids)));
      return out;
    }
    if (value instanceof JsonObject o) {
      return replace(o.getMap(), ids);
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(replace(v, ids)));
      return out;
    }
    if (value instanceof JsonArray a) {
      return replace(a.getList(), ids);
    }
    if (value instanceof String s) {
      return replaceText(s, ids);
    }
    return value;
  }

  private static String replaceText(String s, Map<String, String> ids) {
    String out = s;
    for (Map.Entry<String, String> e : new LinkedHashMap<>(ids).entrySet()) {
      out = out.replace(e.getKey(), e.getValue());
    }
    return out;
  }
}
