package dev.tollgate.plugin.backendgrpc.internal.openapi;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import dev.tollgate.plugin.backendgrpc.internal.mapping.JsonCodec;
import dev.tollgate.plugin.backendgrpc.internal.schema.Schema;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the gateway's test service does not show: oneofs, bytes, unsigned and nested types, enums as numbers, a recursive message. */
class OpenApiDocumentTest {
    private static FieldDescriptorProto field(String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL).build();
    }

    private static Schema schema() {
        DescriptorProto node = DescriptorProto.newBuilder().setName("Node")
                .addEnumType(EnumDescriptorProto.newBuilder().setName("Kind")
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("KIND_UNSPECIFIED").setNumber(0))
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("LEAF").setNumber(7)))
                .addOneofDecl(OneofDescriptorProto.newBuilder().setName("choice"))
                .addField(field("text_value", 1, FieldDescriptorProto.Type.TYPE_STRING).toBuilder().setOneofIndex(0))
                .addField(field("count_value", 2, FieldDescriptorProto.Type.TYPE_UINT64).toBuilder().setOneofIndex(0))
                .addField(field("raw", 3, FieldDescriptorProto.Type.TYPE_BYTES))
                .addField(field("small", 4, FieldDescriptorProto.Type.TYPE_FIXED32))
                .addField(field("kind", 5, FieldDescriptorProto.Type.TYPE_ENUM).toBuilder().setTypeName(".t.Node.Kind"))
                .addField(field("child", 6, FieldDescriptorProto.Type.TYPE_MESSAGE).toBuilder().setTypeName(".t.Node"))
                .build();
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("t.proto").setPackage("t").setSyntax("proto3")
                .addMessageType(node)
                .addService(ServiceDescriptorProto.newBuilder().setName("Nodes")
                        .addMethod(MethodDescriptorProto.newBuilder().setName("Get").setInputType(".t.Node").setOutputType(".t.Node")
                                .setOptions(MethodOptions.newBuilder().setExtension(AnnotationsProto.http,
                                        HttpRule.newBuilder().setGet("/v1/nodes").build())))
                        .addMethod(MethodDescriptorProto.newBuilder().setName("Upload").setInputType(".t.Node").setOutputType(".t.Node")
                                .setClientStreaming(true)))
                .build();
        return Schema.build(List.of(file));
    }

    @Test
    void oneofsBytesUnsignedNestedEnumsAndRecursion() {
        JsonObject document = JsonParser.parseString(OpenApiDocument.generate(schema(), "nodes", "", JsonCodec.PrintOptions.DEFAULT))
                .getAsJsonObject();
        JsonObject schemas = document.getAsJsonObject("components").getAsJsonObject("schemas");
        JsonObject node = schemas.getAsJsonObject("t.Node");
        assertThat(node.get("description").getAsString()).contains("oneof choice").contains("textValue, countValue");
        JsonObject properties = node.getAsJsonObject("properties");
        assertThat(properties.getAsJsonObject("textValue").get("description").getAsString()).contains("oneof choice");
        assertThat(properties.getAsJsonObject("countValue").get("type").getAsString()).isEqualTo("string");
        assertThat(properties.getAsJsonObject("countValue").get("format").getAsString()).isEqualTo("int64");
        assertThat(properties.getAsJsonObject("raw").get("format").getAsString()).isEqualTo("byte");
        assertThat(properties.getAsJsonObject("small").get("maximum").getAsLong()).isEqualTo(4294967295L);
        assertThat(properties.getAsJsonObject("kind").get("$ref").getAsString()).isEqualTo("#/components/schemas/t.Node.Kind");
        assertThat(properties.getAsJsonObject("child").get("$ref").getAsString()).isEqualTo("#/components/schemas/t.Node");
        assertThat(schemas.getAsJsonObject("t.Node.Kind").getAsJsonArray("enum").toString()).isEqualTo("[\"KIND_UNSPECIFIED\",\"LEAF\"]");

        // The client-streaming method is left out; a field of a message type already on the way down is not offered in the query.
        JsonObject paths = document.getAsJsonObject("paths");
        assertThat(paths.keySet()).containsExactly("/v1/nodes", "/t.Nodes/Get");
        List<String> query = new ArrayList<>();
        for (JsonElement parameter : paths.getAsJsonObject("/v1/nodes").getAsJsonObject("get").getAsJsonArray("parameters")) {
            query.add(parameter.getAsJsonObject().get("name").getAsString());
        }
        assertThat(query).containsExactly("textValue", "countValue", "raw", "small", "kind");
    }

    @Test
    void enumsAsNumbersAndProtoNamesFollowTheJsonSettings() {
        JsonObject document = JsonParser.parseString(OpenApiDocument.generate(schema(), "nodes", "/api",
                new JsonCodec.PrintOptions(true, false, true))).getAsJsonObject();
        JsonObject schemas = document.getAsJsonObject("components").getAsJsonObject("schemas");
        assertThat(schemas.getAsJsonObject("t.Node").getAsJsonObject("properties").keySet()).contains("text_value", "count_value");
        JsonObject kind = schemas.getAsJsonObject("t.Node.Kind");
        assertThat(kind.get("type").getAsString()).isEqualTo("integer");
        assertThat(kind.getAsJsonArray("enum").toString()).isEqualTo("[0,7]");
        assertThat(document.getAsJsonObject("paths").keySet()).containsExactly("/api/v1/nodes", "/api/t.Nodes/Get");
    }
}
