package org.grad4j.transformer;

import org.grad4j.TransformException;
import org.grad4j.rules.RuleTable;

/**
 * The pipeline, written out in one place: read → lift → analyse → split → generate.
 * Bytes in, bytes out; no agent, no global state beyond the rule table it is given.
 */
public final class Transformer {
    private final ClassFileLocator locator;
    private final RuleTable rules;

    public Transformer(ClassFileLocator locator) {
        this(locator, RuleTable.global());
    }

    public Transformer(ClassFileLocator locator, RuleTable rules) {
        this.locator = locator;
        this.rules = rules;
    }

    /**
     * Generates the reverse-mode code of {@code owner.name descriptor}.
     *
     * @throws TransformException naming class, method, line, construct and remedy when the
     *     method cannot be differentiated
     */
    public GeneratedCode generate(String ownerInternalName, String methodName, String methodDescriptor) {
        throw new TransformException("not yet implemented");
    }
}
