package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.Arrays;
import org.grad4j.it.programs.PluginHost;
import org.junit.jupiter.api.Test;

/** grad4j in the set-ups applications are deployed in: plugins and web applications in class loaders of their own. */
class DeploymentIT {
    /**
     * A plugin loaded, used and dropped five times (a redeploy): its gradients are right, and
     * no class loader outlives it — neither through the calling thread's caches nor through the
     * worker threads its first gradients started.
     */
    @Test
    void aPluginThatTookGradientsCanBeUnloaded() {
        String testClasses = new File(PluginHost.class.getProtectionDomain().getCodeSource().getLocation().getPath()).getPath();
        ChildJvm.Run run = new ChildJvm().withAgent()
                .classPath(ChildJvm.applicationClassPath() + File.pathSeparator + testClasses)
                .run(PluginHost.class.getName()).assertSucceeded();
        assertTrue(run.number("maxError") < 1e-6, run::describe);
        assertEquals(0, run.number("loadersAlive"), run::describe);
    }

    /**
     * On the module path grad4j-runtime is the module refusals and the user guide name in
     * {@code opens app.pkg to org.grad4j.runtime}, whatever its jar file is called (a derived
     * name would be {@code grad4j.runtime}, and the directive would open the package to nothing).
     */
    @Test
    void theRuntimeJarIsTheModuleOrgGrad4jRuntime() {
        Path jar = Arrays.stream(ChildJvm.applicationClassPath().split(File.pathSeparator)).map(Path::of)
                .filter(p -> p.getFileName().toString().startsWith("grad4j-runtime")).findFirst().orElseThrow();
        String name = ModuleFinder.of(jar).findAll().stream().map(ModuleReference::descriptor)
                .map(d -> d.name()).findFirst().orElseThrow();
        assertEquals("org.grad4j.runtime", name, jar::toString);
    }
}
