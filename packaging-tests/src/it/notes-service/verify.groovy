// After `mvn package` of this project, built from the published poms and jars alone: the jar carries the launcher's
// manifest and runs, answering `version` through the launcher and `version --json` through the application.
import java.util.concurrent.TimeUnit
import java.util.jar.JarFile

File jar = new File(basedir, 'target/notes-service.jar')
assert jar.isFile() : "servicekit-application-parent builds target/<artifactId>.jar; no ${jar}"

def manifest = new JarFile(jar).withCloseable { it.manifest.mainAttributes }
assert manifest.getValue('Main-Class') == 'dev.servicekit.launcher.Launcher'
assert manifest.getValue('Servicekit-Main-Class') == 'com.example.notes.NotesApplication'
assert manifest.getValue('Servicekit-Jvm-Options') == shippedJvmOptions
assert manifest.getValue('Servicekit-Version') == 'notes 1.0'
assert manifest.getValue('Multi-Release') == 'true'
assert manifest.getValue('Enable-Native-Access') == 'ALL-UNNAMED'
assert manifest.getValue('Implementation-Title') == 'notes-service'
assert manifest.getValue('Implementation-Version') == '1.0'

// Runs `java -jar` on the JDK this build runs on; returns [exit code, stdout and stderr].
def run = { List<String> args ->
    def command = [new File(System.getProperty('java.home'), 'bin/java').path, '-jar', jar.path] + args
    def process = new ProcessBuilder(command).directory(basedir).redirectErrorStream(true).start()
    def output = new StringBuilder()
    def reader = Thread.start { output << process.inputStream.text }
    assert process.waitFor(60, TimeUnit.SECONDS) : "${command} did not finish within 60 s: ${output}"
    reader.join()
    [process.exitValue(), output.toString()]
}

def (versionExit, version) = run(['version'])
assert versionExit == 0 : version
assert version.startsWith('notes 1.0 (Java ') : version

// The application's own answer: it starts from the jar's classes, and ships the options the manifest names.
def (jsonExit, json) = run(['version', '--json'])
assert jsonExit == 0 : json
assert json.startsWith('{"name":"notes","version":"1.0",') : json
assert json.contains('"jvmOptions":[' + shippedJvmOptions.split(' ').collect { '"' + it + '"' }.join(',') + ',') : json

// The libraries an outside project gets are the ones this repository builds and tests with: every library in both this
// jar and the reactor's hello-service jar (built with servicekit-parent's dependency management, Helidon's included)
// has one version. A version only Maven's nearest-wins picks outside (snakeyaml through Jackson's YAML module) fails.
def libraries = { File file ->
    new JarFile(file).withCloseable { j ->
        j.entries().toList()
                .findAll { it.name ==~ /META-INF\/maven\/[^\/]+\/[^\/]+\/pom\.properties/ }
                .collectEntries { entry ->
                    def properties = new Properties()
                    j.getInputStream(entry).withCloseable { properties.load(it) }
                    [(properties.groupId + ':' + properties.artifactId): properties.version]
                }
    }
}
File reference = new File(referenceJar)
assert reference.isFile() : "the reactor's hello-service jar, built before this: ${reference}"
def ours = libraries(jar)
def theirs = libraries(reference)
assert ours.size() > 20 : "pom.properties of the libraries in ${jar}: ${ours}"
def differing = ours.keySet().intersect(theirs.keySet()).findAll { ours[it] != theirs[it] && !it.startsWith('dev.servicekit:') }
        .collect { "${it}: ${ours[it]} here, ${theirs[it]} in hello-service" }
assert differing.isEmpty() : "an outside project resolves other versions than this build tests: ${differing}"

// docs/toolkit.md shows this pom as "a whole pom": the first xml block of its "Packaging" section is this file, the
// version filled in.
String guide = new File(toolkitGuide).getText('UTF-8')
int packaging = guide.indexOf('\n## Packaging\n')
assert packaging >= 0 : "${toolkitGuide} has a section \"Packaging\""
int start = guide.indexOf('```xml\n', packaging) + '```xml\n'.length()
String shown = guide.substring(start, guide.indexOf('```', start))
assert shown == new File(basedir, 'pom.xml').getText('UTF-8') : "${toolkitGuide}'s pom, in \"Packaging\", is not ${basedir}/pom.xml"

return true
