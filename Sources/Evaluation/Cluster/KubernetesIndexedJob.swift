import Foundation

/// What a plan needs on Kubernetes besides the plan itself.
public struct KubernetesOptions: Equatable, Sendable {
    /// A container image with the tools on its PATH (e.g. built from `scripts/install /usr/local`).
    public var image: String
    /// A PersistentVolumeClaim holding models, data and results, mounted at `mountPath`; the plan's
    /// paths should lie under it.
    public var volumeClaim: String
    public var mountPath: String
    public var cpusPerTask: Int
    public var memory: String
    /// Tasks running at once.
    public var parallelism: Int
    /// Retries of each index before the Job gives it up (`backoffLimitPerIndex`).
    public var retries: Int

    public init(
        image: String, volumeClaim: String, mountPath: String, cpusPerTask: Int = 1, memory: String = "2Gi",
        parallelism: Int, retries: Int = 2
    ) {
        self.image = image
        self.volumeClaim = volumeClaim
        self.mountPath = mountPath
        self.cpusPerTask = cpusPerTask
        self.memory = memory
        self.parallelism = parallelism
        self.retries = retries
    }
}

/// A plan as a Kubernetes Indexed Job (task i = `$JOB_COMPLETION_INDEX`, which the Job controller
/// sets in every pod) and, when the plan has a final step, a second Job to apply once the first is
/// complete (`kubectl wait --for=condition=complete job/NAME`): Kubernetes Jobs have no
/// dependencies. A failed pod is retried with the same index, and the tools resume from the
/// finished items they left on the volume.
public enum KubernetesIndexedJob {
    public static func render(_ plan: ArrayJobPlan, options: KubernetesOptions) -> String {
        let variables = Set(plan.values.keys)
        var script = ["index=$JOB_COMPLETION_INDEX"]
        script += ShellWords.valueSelection(plan.values, count: plan.count)
        script.append("exec " + ShellWords.line(plan.command, count: plan.count, variables: variables))
        var documents = [job(name: k8sName(plan.name), plan: plan, options: options, script: script, indexed: true)]
        if let final = plan.finalCommand {
            documents.append(
                job(
                    name: k8sName(plan.name + "-final"), plan: plan, options: options,
                    script: ["exec " + ShellWords.line(final, count: plan.count, variables: [])], indexed: false))
        }
        let header =
            [
                "# Written by megalodon-eval submit --kubernetes: \(plan.count) task(s) of \(plan.name), one per completion index.",
                "# kubectl apply -f THIS --selector=step=tasks; kubectl wait --for=condition=complete --timeout=24h job/\(k8sName(plan.name))",
            ] + (plan.finalCommand == nil ? [] : ["# then: kubectl apply -f THIS --selector=step=final"])
        return header.joined(separator: "\n") + "\n" + documents.joined(separator: "---\n")
    }

    static func job(name: String, plan: ArrayJobPlan, options: KubernetesOptions, script: [String], indexed: Bool) -> String {
        var lines = [
            "apiVersion: batch/v1",
            "kind: Job",
            "metadata:",
            "  name: \(name)",
            "  labels:",
            "    app: megalodon",
            "    step: \(indexed ? "tasks" : "final")",
            "spec:",
        ]
        if indexed {
            lines += [
                "  completionMode: Indexed",
                "  completions: \(plan.count)",
                "  parallelism: \(min(options.parallelism, plan.count))",
                "  backoffLimitPerIndex: \(options.retries)",
                "  maxFailedIndexes: 0",
            ]
        } else {
            lines.append("  backoffLimit: \(options.retries)")
        }
        lines += [
            "  template:",
            "    spec:",
            "      restartPolicy: Never",
            "      containers:",
            "        - name: \(indexed ? "task" : "final")",
            "          image: \(options.image)",
            "          workingDir: \(plan.workingDirectory)",
            "          command:",
            "            - /bin/sh",
            "            - -c",
            "            - |",
        ]
        lines += script.map { "              " + $0 }
        lines += [
            "          resources:",
            "            requests: {cpu: \"\(indexed ? options.cpusPerTask : 1)\", memory: \(options.memory)}",
            "            limits: {cpu: \"\(indexed ? options.cpusPerTask : 1)\", memory: \(options.memory)}",
            "          volumeMounts:",
            "            - {name: work, mountPath: \(options.mountPath)}",
            "      volumes:",
            "        - name: work",
            "          persistentVolumeClaim: {claimName: \(options.volumeClaim)}",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Job names are DNS labels: lowercase letters, digits and '-'.
    static func k8sName(_ name: String) -> String {
        String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}

extension KubernetesIndexedJob {
    /// Writes the manifest to `<job folder>/<plan name>.yaml` and returns its location.
    public static func write(_ plan: ArrayJobPlan, options: KubernetesOptions) throws -> URL {
        let folder = URL(fileURLWithPath: plan.jobDirectory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("\(plan.name).yaml")
        try Data(render(plan, options: options).utf8).write(to: url, options: .atomic)
        return url
    }
}
