package zkchain.l1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;

/**
 * A contract compiled by the build (contracts/compile.js writes target/classes/contracts/Name.json),
 * loaded from the classpath so the node never needs a compiler at run time.
 */
public record ContractArtifact(String name, String bin, JsonNode abi) {

  public static ContractArtifact load(String name) {
    String resource = "/contracts/" + name + ".json";
    try (InputStream in = ContractArtifact.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("contract artifact " + resource + " is not on the classpath;"
            + " the Maven build compiles contracts/*.sol in generate-resources (mvn compile)");
      }
      JsonNode json = new ObjectMapper().readTree(in);
      String bin = json.path("bin").asText("");
      if (bin.length() <= 2) throw new IllegalStateException(resource + " has no bytecode");
      return new ContractArtifact(name, bin, json.path("abi"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource + ": " + e.getMessage(), e);
    }
  }
}
