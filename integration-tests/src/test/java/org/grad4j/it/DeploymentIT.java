package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
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
}
