"""Reads a CloudWatch Logs log group to the end, page by page, and says in one line why it could not.

Paging follows the CloudWatch Logs API Reference: DescribeLogStreams and FilterLogEvents return a ``nextToken``
while there is more (FilterLogEvents "can return empty results while there are more log events available through
the token"); GetLogEvents always returns a ``nextForwardToken``, and "if you have reached the end of the stream, it
returns the same token you passed in".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

READ_ACTIONS = "logs:DescribeLogStreams, logs:FilterLogEvents and logs:GetLogEvents"
"""What reading a log group here takes (Service Authorization Reference, "Actions, resources, and condition keys
for Amazon CloudWatch Logs"); docs/session-history.md gives the policy, on the groups and their streams."""


class HistoryError(Exception):
    """The logs cannot be read: one line that says why and what to do."""


class LogReader:
    """One log group, through a CloudWatch Logs client."""

    def __init__(self, client: Any, group: str) -> None:
        self.client, self.group = client, group

    def streams(self, prefix: str | None = None) -> Iterator[dict[str, Any]]:
        """Every log stream of the group (or those whose name starts with ``prefix``)."""
        request = {"logGroupName": self.group} | ({"logStreamNamePrefix": prefix} if prefix else {})
        yield from self._pages(self.client.describe_log_streams, request, "logStreams")

    def events(self, start_ms: int | None = None) -> Iterator[dict[str, Any]]:
        """Every event of every stream (from ``start_ms`` on), each with its ``logStreamName``."""
        request = {"logGroupName": self.group} | ({"startTime": start_ms} if start_ms is not None else {})
        yield from self._pages(self.client.filter_log_events, request, "events")

    def stream_events(self, stream: str) -> Iterator[dict[str, Any]]:
        """The events of one stream, oldest first."""
        request: dict[str, Any] = {"logGroupName": self.group, "logStreamName": stream, "startFromHead": True}
        while True:
            with self._translated():
                page = self.client.get_log_events(**request)
            yield from page.get("events", [])
            token = page.get("nextForwardToken")
            if not token or token == request.get("nextToken"):
                return
            request["nextToken"] = token

    def _pages(self, call: Callable[..., dict[str, Any]], request: dict[str, Any], key: str) -> Iterator[Any]:
        while True:
            with self._translated():
                page = call(**request)
            yield from page.get(key, [])
            if not page.get("nextToken"):
                return
            request = request | {"nextToken": page["nextToken"]}

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except ClientError as error:
            raise HistoryError(self._refusal(error)) from None
        except NoCredentialsError:
            raise HistoryError(
                "no AWS credentials found: pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY"
            ) from None
        except EndpointConnectionError as error:
            raise HistoryError(f"cannot reach CloudWatch Logs at {error.kwargs.get('endpoint_url')}") from None
        except BotoCoreError as error:
            raise HistoryError(f"reading {self.group} failed: {error}") from None

    def _refusal(self, error: ClientError) -> str:
        details = error.response.get("Error", {})
        code, message = details.get("Code", ""), details.get("Message", "")
        region = self.client.meta.region_name
        if code == "ResourceNotFoundException":
            return (
                f"log group {self.group} does not exist in {region} ({error.operation_name}: {message}); "
                "check --stack, the log group options and --region"
            )
        if code == "AccessDeniedException":
            return (
                f"AWS refused {error.operation_name} on log group {self.group} ({message}); reading the session "
                f"history takes {READ_ACTIONS} on both log groups"
            )
        return f"{error.operation_name} on log group {self.group} in {region} failed: {code}: {message}"


def logs_client(profile: str | None, region: str | None) -> Any:
    """A CloudWatch Logs client as the AWS CLI would make one: the profile's credentials and region, and the
    endpoint ``AWS_ENDPOINT_URL`` names, which boto3 reads by itself (AWS SDKs and Tools Reference Guide,
    "Service-specific endpoints")."""
    import boto3

    try:
        return boto3.Session(profile_name=profile, region_name=region).client("logs")
    except ProfileNotFound:
        raise HistoryError(f"no profile {profile} in the AWS config files: check --profile") from None
    except NoRegionError:
        raise HistoryError("no AWS region: pass --region, or set one in the profile or AWS_DEFAULT_REGION") from None
