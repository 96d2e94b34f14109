package dev.tollgate.runtime.testing;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Builds real plugin jars in tests: compiles Java sources against the test class path (which
 * holds the SPI) and packs the classes with resources into a jar, as a plugin build would.
 */
public final class TestJars {
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, String> resources = new LinkedHashMap<>();

    public static TestJars builder() {
        return new TestJars();
    }

    /** A class to compile; {@code className} is fully qualified. */
    public TestJars source(String className, String source) {
        sources.put(className, source);
        return this;
    }

    /** A text resource, e.g. {@code META-INF/tollgate/plugin.properties}. */
    public TestJars resource(String path, String content) {
        resources.put(path, content);
        return this;
    }

    /** A descriptor and a service registration for a plugin class. */
    public TestJars plugin(String id, String version, String apiVersion, String pluginClass) {
        resource("META-INF/tollgate/plugin.properties", "id=" + id + "\nversion=" + version + "\napi-version=" + apiVersion + "\n");
        return resource("META-INF/services/dev.tollgate.api.Plugin", pluginClass + "\n");
    }

    /** Compiles and writes the jar. */
    public Path writeTo(Path jar) {
        try {
            Path classes = Files.createTempDirectory("tollgate-test-classes");
            compile(classes);
            Files.createDirectories(jar.getParent());
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                try (Stream<Path> files = Files.walk(classes)) {
                    for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                        out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                        Files.copy(file, out);
                        out.closeEntry();
                    }
                }
                for (Map.Entry<String, String> resource : resources.entrySet()) {
                    out.putNextEntry(new JarEntry(resource.getKey()));
                    out.write(resource.getValue().getBytes(StandardCharsets.UTF_8));
                    out.closeEntry();
                }
            }
            TestGateway.delete(classes);
            return jar;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void compile(Path output) throws IOException {
        if (sources.isEmpty()) {
            return;
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            files.setLocation(StandardLocation.CLASS_OUTPUT, List.of(output.toFile()));
            List<JavaFileObject> units = new ArrayList<>();
            for (Map.Entry<String, String> source : sources.entrySet()) {
                units.add(new SimpleJavaFileObject(URI.create("string:///" + source.getKey().replace('.', '/') + ".java"),
                        JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return source.getValue();
                    }
                });
            }
            StringWriter errors = new StringWriter();
            boolean ok = compiler.getTask(errors, files, null,
                    List.of("-classpath", System.getProperty("java.class.path"), "--release", "17", "-proc:none"), null, units).call();
            if (!ok) {
                throw new IllegalStateException("test plugin does not compile:\n" + errors);
            }
        }
    }
}
