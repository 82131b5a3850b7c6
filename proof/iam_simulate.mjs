// Evaluates IAM requests with @cloud-copilot/iam-simulate, all in one process.
// stdin: a JSON array of simulations, each {request, identityPolicies, resourcePolicy?}.
// stdout: a JSON array, in the same order, of {decision} or {error}.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const simulations = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const results = []
for (const simulation of simulations) {
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
process.stdout.write(JSON.stringify(results))
