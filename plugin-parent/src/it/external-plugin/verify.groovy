// Checks the jar the external plugin build produced: what the gateway needs to load it, and
// nothing of the gateway inside. apiVersion comes from the main build (tollgate.api.version).
import java.util.jar.JarFile

File jar = new File(basedir, 'target/tollgate-plugin-greeting-1.0.0.jar')
assert jar.isFile()

new JarFile(jar).withCloseable { zip ->
    List<String> names = zip.entries().collect { it.name }
    def text = { String name ->
        def entry = zip.getEntry(name)
        assert entry != null : "${name} is missing from ${jar.name}"
        zip.getInputStream(entry).getText('UTF-8')
    }

    Properties descriptor = new Properties()
    descriptor.load(new StringReader(text('META-INF/tollgate/plugin.properties')))
    assert descriptor.getProperty('id') == 'greeting'
    assert descriptor.getProperty('version') == '1.0.0'
    assert descriptor.getProperty('api-version') == apiVersion
    assert descriptor.getProperty('description') == 'Says hello in a response header.'

    assert text('META-INF/services/dev.tollgate.api.Plugin').readLines()*.trim().findAll() == ['com.example.greeting.GreetingPlugin']
    assert text('reference.conf').contains('filters.greeting')
    assert names.contains('com/example/greeting/GreetingPlugin.class')
    // The private dependency is shaded in...
    assert names.contains('com/fasterxml/jackson/core/io/JsonStringEncoder.class')
    // ...the SPI and slf4j are the gateway's, never the plugin's.
    assert names.findAll { it.startsWith('dev/tollgate/') || it.startsWith('org/slf4j/') } == []
}
return true
