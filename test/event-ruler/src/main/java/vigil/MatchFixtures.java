package vigil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import software.amazon.event.ruler.Machine;

/**
 * args[0]: a JSON object of rule name to EventBridge pattern; args[1..]: event files.
 * Prints one JSON object: event file to the names of the rules it matches.
 */
public final class MatchFixtures {
  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode patterns = json.readTree(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
    Machine machine = new Machine();
    for (Iterator<Map.Entry<String, JsonNode>> it = patterns.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> rule = it.next();
      machine.addRule(rule.getKey(), json.writeValueAsString(rule.getValue()));
    }
    ObjectNode out = json.createObjectNode();
    for (int i = 1; i < args.length; i++) {
      List<String> matched = machine.rulesForJSONEvent(Files.readString(Path.of(args[i]), StandardCharsets.UTF_8));
      ArrayNode names = out.putArray(args[i]);
      matched.stream().sorted().forEach(names::add);
    }
    System.out.println(json.writeValueAsString(out));
  }
}
