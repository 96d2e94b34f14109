package dev.tollgate.plugin.discoveryredis.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.upstream.ServiceInstance;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * The JSON description of an instance in the registry hash:
 * {@code {"url":"http://10.0.0.5:9000","weight":1,"metadata":{"zone":"a"}}}. {@code url} is
 * required; {@code weight} (an integer, at least 1) defaults to 1; {@code metadata} (an object of
 * strings; numbers and booleans are taken as their text) defaults to empty; other fields are
 * ignored, so registrants may add some. Thread-safe.
 */
public final class InstanceJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private InstanceJson() {
    }

    /** A description with fields in a fixed order and metadata sorted, so equal instances give equal text. */
    public static String write(ServiceInstance instance) {
        requireNonNull(instance, "instance is null");
        ObjectNode node = MAPPER.createObjectNode();
        node.put("url", instance.address().toString());
        node.put("weight", instance.weight());
        ObjectNode metadata = node.putObject("metadata");
        new TreeMap<>(instance.metadata()).forEach(metadata::put);
        return node.toString();
    }

    /**
     * The instance {@code id} describes.
     *
     * @throws IllegalArgumentException saying what is wrong with the description
     */
    public static ServiceInstance read(String id, String json) {
        requireNonNull(id, "id is null");
        requireNonNull(json, "json is null");
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        }
        catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode url = node.get("url");
        if (url == null || !url.isTextual()) {
            throw new IllegalArgumentException("\"url\" is missing or not a string");
        }
        if (!url.asText().contains("://")) {
            throw new IllegalArgumentException("\"url\" needs a scheme and a host, e.g. http://10.0.0.5:9000: " + url.asText());
        }
        URI address;
        try {
            address = new URI(url.asText());
        }
        catch (URISyntaxException e) {
            throw new IllegalArgumentException("\"url\" is not a URL: " + e.getMessage());
        }
        if (address.getScheme() == null || address.getHost() == null) {
            throw new IllegalArgumentException("\"url\" needs a scheme and a host, e.g. http://10.0.0.5:9000: " + address);
        }
        int weight = 1;
        JsonNode weightNode = node.get("weight");
        if (weightNode != null && !weightNode.isNull()) {
            if (!weightNode.canConvertToExactIntegral() || !weightNode.canConvertToInt() || weightNode.asInt() < 1) {
                throw new IllegalArgumentException("\"weight\" must be a whole number of at least 1, not " + weightNode);
            }
            weight = weightNode.asInt();
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode metadataNode = node.get("metadata");
        if (metadataNode != null && !metadataNode.isNull()) {
            if (!metadataNode.isObject()) {
                throw new IllegalArgumentException("\"metadata\" must be an object of strings");
            }
            for (Map.Entry<String, JsonNode> field : metadataNode.properties()) {
                if (!field.getValue().isValueNode() || field.getValue().isNull()) {
                    throw new IllegalArgumentException("\"metadata\".\"" + field.getKey() + "\" must be a string, not " + field.getValue());
                }
                metadata.put(field.getKey(), field.getValue().asText());
            }
        }
        return new ServiceInstance(id, address, weight, metadata);
    }
}
