"""The offline harness every test, the proof and the access report run the program in: Pulumi's mocks,
as the Pulumi CLI would run it, with a recording monitor and stand-ins for what AWS answers."""
